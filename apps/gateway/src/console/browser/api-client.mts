import type {
  CheckpointCreated,
  CheckpointList,
  Decision,
  InterruptAnswer,
  RespondAnswer,
  SendAnswer,
  SessionDetail,
  SessionList,
  SessionStatus,
  StartAnswer,
  StartRequest,
  WorkspaceDiff,
  WorkspaceFile,
  WorkspaceTree,
} from './api-types.mts';

const BASE = '/api/v1';

/** A refusal of /api/v1 (`{ error: { code, message } }`), or a network failure (status 0). */
export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

type Query = Record<string, string | number | undefined>;

/**
 * /api/v1 as the signed-in tenant. The key goes in the Authorization header and nowhere else:
 * never in a URL (logs and histories keep those), never in a cookie (a browser sends those on
 * its own). An empty key is the gateway's loopback mode without keys.
 */
export class ApiClient {
  private readonly key: string;
  /** Told when the gateway refuses the key (401): the console signs out. */
  private readonly onUnauthorized: () => void;

  constructor(key: string, onUnauthorized: () => void) {
    this.key = key;
    this.onUnauthorized = onUnauthorized;
  }

  /** `tenant`: an operator key's list of one tenant's sessions (default: every tenant's). */
  listSessions(limit: number, status?: SessionStatus, tenant?: string): Promise<SessionList> {
    return this.call('GET', '/sessions', { query: { limit, status, tenant } });
  }

  session(id: string): Promise<SessionDetail> {
    return this.call('GET', sessionPath(id));
  }

  start(request: StartRequest): Promise<StartAnswer> {
    return this.call('POST', '/sessions', { body: request });
  }

  send(id: string, message: string): Promise<SendAnswer> {
    return this.call('POST', `${sessionPath(id)}/messages`, { body: { message } });
  }

  interrupt(id: string): Promise<InterruptAnswer> {
    return this.call('POST', `${sessionPath(id)}/interrupt`, { body: {} });
  }

  terminate(id: string): Promise<{ status: 'terminated' }> {
    return this.call('DELETE', sessionPath(id));
  }

  respond(id: string, requestId: string, decision: Decision, message?: string) {
    const body = message ? { decision, message } : { decision };
    return this.call<RespondAnswer>(
      'POST',
      `${sessionPath(id)}/approvals/${encodeURIComponent(requestId)}`,
      { body },
    );
  }

  checkpoints(id: string): Promise<CheckpointList> {
    return this.call('GET', `${sessionPath(id)}/checkpoints`);
  }

  createCheckpoint(id: string, label?: string): Promise<CheckpointCreated> {
    return this.call('POST', `${sessionPath(id)}/checkpoints`, { body: label ? { label } : {} });
  }

  tree(id: string, checkpointId?: string): Promise<WorkspaceTree> {
    return this.call('GET', `${sessionPath(id)}/workspace/tree`, { query: { checkpointId } });
  }

  file(id: string, path: string, checkpointId?: string): Promise<WorkspaceFile> {
    return this.call('GET', `${sessionPath(id)}/workspace/file`, {
      query: { path, checkpointId },
    });
  }

  diff(id: string, from?: string, to?: string): Promise<WorkspaceDiff> {
    return this.call('GET', `${sessionPath(id)}/workspace/diff`, { query: { from, to } });
  }

  /** The session's events as Server-Sent Events, after `lastEventId` (the stream's own cursor). */
  events(id: string, lastEventId: string | undefined, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = {
      ...this.authorization(),
      Accept: 'text/event-stream',
    };
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    return fetch(`${BASE}${sessionPath(id)}/events`, { ...FETCH_OPTIONS, headers, signal });
  }

  /** Tells the console a 401 happened (an expired or revoked key), whoever got it. */
  unauthorized(): void {
    this.onUnauthorized();
  }

  private authorization(): Record<string, string> {
    return this.key ? { Authorization: `Bearer ${this.key}` } : {};
  }

  private async call<T>(
    method: string,
    path: string,
    request: { query?: Query; body?: unknown } = {},
  ): Promise<T> {
    const url = new URL(`${BASE}${path}`, location.origin);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = this.authorization();
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(url, {
        ...FETCH_OPTIONS,
        method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
      });
    } catch (error) {
      throw new ApiFailure(0, 'NetworkError', `The gateway did not answer: ${String(error)}`);
    }
    const answer: unknown = await res.json().catch(() => undefined);
    if (res.ok) return answer as T;
    if (res.status === 401) this.onUnauthorized();
    throw failureOf(res.status, answer);
  }
}

/** No cookies, no cache, no referrer: every answer holds a tenant's data. */
const FETCH_OPTIONS: RequestInit = {
  credentials: 'omit',
  cache: 'no-store',
  referrerPolicy: 'no-referrer',
};

function sessionPath(id: string): string {
  return `/sessions/${encodeURIComponent(id)}`;
}

export function failureOf(status: number, answer: unknown): ApiFailure {
  const error = (answer as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : `HTTP${status}`;
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
  return new ApiFailure(status, code, message);
}
