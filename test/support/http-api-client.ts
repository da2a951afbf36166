/**
 * A plain HTTP client of /api/v1 for the tests: fetch, bearer keys by tenant, and a record of
 * every documented route it called (by method and path template), so a test can check that
 * each route of the OpenAPI document was exercised.
 */
import { EventSource, type FetchLike } from 'eventsource';

export interface ApiAnswer<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ApiRequest {
  /** A tenant of `keys` (default acme); null: no Authorization header. */
  tenant?: string | null;
  /** Which gateway (index into the client's base URLs). */
  gateway?: number;
  params?: Record<string, string>;
  query?: Record<string, string | number>;
  /** Sent as JSON; `raw` sends text as is. */
  body?: unknown;
  raw?: { text: string; contentType: string };
  headers?: Record<string, string>;
}

export class HttpApiClient {
  /** `METHOD /template` of each call made. */
  readonly exercised = new Set<string>();

  constructor(
    private readonly bases: () => URL[],
    readonly keys: Record<string, string>,
  ) {}

  url(template: string, request: Pick<ApiRequest, 'gateway' | 'params' | 'query'> = {}): string {
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
      encodeURIComponent(request.params?.[name] ?? `<${name}>`),
    );
    const url = new URL(`/api/v1${path}`, this.bases()[request.gateway ?? 0]);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  authorization(tenant: string | null): Record<string, string> {
    return tenant === null ? {} : { authorization: `Bearer ${this.keys[tenant]}` };
  }

  async call<T = Record<string, unknown>>(
    method: string,
    template: string,
    request: ApiRequest = {},
  ): Promise<ApiAnswer<T>> {
    this.exercised.add(`${method} ${template}`);
    const { tenant = 'acme', body, raw } = request;
    const res = await fetch(this.url(template, request), {
      method,
      headers: {
        ...this.authorization(tenant),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(raw ? { 'content-type': raw.contentType } : {}),
        ...request.headers,
      },
      body: raw ? raw.text : body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const json = res.headers.get('content-type')?.startsWith('application/json');
    return {
      status: res.status,
      headers: res.headers,
      body: (json ? JSON.parse(text) : text) as T,
    };
  }
}

export interface StreamedEvent {
  id: string;
  seq: number;
  turn: number;
  kind: string;
  data: Record<string, unknown> | null;
}

export interface EventFeed {
  events: StreamedEvent[];
  /** For each event, the connection it came on (an index into `connections`). */
  via: number[];
  /** The `event: end` data, once received. */
  ended?: { status: string };
  /** Each connection the EventSource made: where, with which Last-Event-ID, answered what. */
  connections: Array<{ url: string; lastEventId?: string; status?: number }>;
  source: EventSource;
}

/**
 * Follows an event stream with a standard EventSource client (the `eventsource` package): it
 * reconnects by itself after the stream ends, sending Last-Event-ID. `route` picks the URL of
 * each connection (the first, then the reconnects), so a reconnect can reach another replica.
 */
export function followEvents(
  route: (attempt: number) => string,
  authorization: Record<string, string>,
): EventFeed {
  const connections: EventFeed['connections'] = [];
  const fetchVia: FetchLike = async (_url, init) => {
    const url = route(connections.length);
    const connection: EventFeed['connections'][number] = {
      url,
      lastEventId: init.headers['Last-Event-ID'],
    };
    connections.push(connection);
    const res = await fetch(url, { ...init, headers: { ...init.headers, ...authorization } });
    connection.status = res.status;
    return res;
  };
  const source = new EventSource(route(0), { fetch: fetchVia });
  const feed: EventFeed = { events: [], via: [], connections, source };
  source.addEventListener('message', (message) => {
    feed.events.push(JSON.parse(String(message.data)) as StreamedEvent);
    feed.via.push(connections.length - 1);
  });
  source.addEventListener('end', (message) => {
    feed.ended = JSON.parse(String((message as MessageEvent).data)) as { status: string };
  });
  return feed;
}

/** Whether the event is the status event that ends `turn` (idle or failed). */
export function endsTurn(event: StreamedEvent, turn: number): boolean {
  const status = event.data?.status;
  return (
    event.kind === 'status' && event.turn === turn && (status === 'idle' || status === 'failed')
  );
}
