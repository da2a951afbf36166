/**
 * A minimal MCP client for load generation: initialize, then tools/call over Streamable HTTP,
 * reading the SSE response by hand on node:http. The SDK's Client validates every incoming
 * message with zod, and fetch() wraps every chunk in web streams and promises; on this 2-core
 * machine either costs more CPU than the gateway spends per message. A real client runs
 * elsewhere, so the load generator should not steal the system's cores.
 */
import { request, type IncomingMessage } from 'node:http';

/** Gets each progress notification as the JSON text it arrived as (parse only what you need). */
export interface ProgressHandler {
  (notification: string): void;
}

const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

export class RawMcpClient {
  private nextId = 1;
  private sessionId: string | undefined;

  constructor(
    private readonly url: URL,
    private readonly key: string,
  ) {}

  async connect(): Promise<void> {
    const res = await this.send('POST', {
      jsonrpc: '2.0',
      id: this.nextId++,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    });
    const sessionId = res.headers['mcp-session-id'];
    this.sessionId = Array.isArray(sessionId) ? sessionId[0] : sessionId;
    await readSse(res, () => undefined);
    await textOf(await this.send('POST', { jsonrpc: '2.0', method: 'notifications/initialized' }));
  }

  /** Calls a tool with a progress token; resolves with structuredContent. */
  async callTool(
    name: string,
    args: Record<string, unknown>,
    onProgress?: ProgressHandler,
  ): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const res = await this.send('POST', {
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name, arguments: args, _meta: onProgress ? { progressToken: id } : undefined },
    });
    let result: Record<string, unknown> | undefined;
    await readSse(res, (data) => {
      // Progress notifications are most of the traffic: the caller parses what it needs.
      if (data.startsWith('{"method":"notifications/progress"')) return onProgress?.(data);
      const reply = JSON.parse(data) as {
        method?: string;
        result?: {
          isError?: boolean;
          structuredContent?: Record<string, unknown>;
          content?: unknown;
        };
        error?: unknown;
      };
      if (reply.method === 'notifications/progress') return onProgress?.(data);
      if (reply.error || reply.result?.isError)
        throw new Error(JSON.stringify(reply.error ?? reply.result?.content));
      result = reply.result?.structuredContent;
    });
    if (!result) throw new Error(`${name}: no result`);
    return result;
  }

  async close(): Promise<void> {
    if (!this.sessionId) return;
    await textOf(await this.send('DELETE'));
  }

  private send(method: string, body?: unknown): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      // A connection per request: a kept-alive one may be closed by the server just as a request
      // goes out on it (ECONNRESET after the pause between cases), and a client makes few requests.
      const req = request(this.url, { method, headers: this.headers(), agent: false }, resolve);
      req.once('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  private headers(): Record<string, string> {
    return {
      ...HEADERS,
      authorization: `Bearer ${this.key}`,
      ...(this.sessionId
        ? { 'mcp-session-id': this.sessionId, 'mcp-protocol-version': '2025-11-25' }
        : {}),
    };
  }
}

function textOf(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.once('end', () => resolve(text));
    res.once('error', reject);
  });
}

/** Calls onData with each SSE event's data (or the JSON body of a non-SSE response). */
async function readSse(res: IncomingMessage, onData: (data: string) => void): Promise<void> {
  const status = res.statusCode ?? 0;
  if (status >= 400) throw new Error(`HTTP ${status}: ${await textOf(res)}`);
  if (!String(res.headers['content-type']).includes('text/event-stream')) {
    const text = await textOf(res);
    if (text) onData(text);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      try {
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const data = dataOf(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (data) onData(data);
        }
      } catch (error) {
        res.destroy();
        reject(error as Error);
      }
    });
    res.once('end', resolve);
    res.once('error', reject);
  });
}

/** The data lines of one SSE frame, joined (the gateway sends one per frame). */
function dataOf(frame: string): string {
  let data = '';
  for (const line of frame.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    data = data ? `${data}\n${value}` : value;
  }
  return data;
}
