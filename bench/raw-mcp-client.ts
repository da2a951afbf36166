/**
 * A minimal MCP client for load generation: initialize, then tools/call over Streamable HTTP,
 * reading the SSE response by hand. The SDK's Client validates every incoming message with zod,
 * which on this 2-core machine costs more CPU than the gateway itself spends per message; a real
 * client runs elsewhere, so the load generator should not steal the system's cores.
 */
export interface ProgressHandler {
  (message: string | undefined): void;
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
    const res = await this.post({
      jsonrpc: '2.0',
      id: this.nextId++,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    });
    this.sessionId = res.headers.get('mcp-session-id') ?? undefined;
    await readSse(res, () => undefined);
    await (await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' })).text();
  }

  /** Calls a tool with a progress token; resolves with structuredContent. */
  async callTool(
    name: string,
    args: Record<string, unknown>,
    onProgress?: ProgressHandler,
  ): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const res = await this.post({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name, arguments: args, _meta: onProgress ? { progressToken: id } : undefined },
    });
    let result: Record<string, unknown> | undefined;
    await readSse(res, (data) => {
      if (data.includes('"notifications/progress"')) {
        const note = JSON.parse(data) as { params: { message?: string } };
        onProgress?.(note.params.message);
      } else {
        const reply = JSON.parse(data) as {
          result?: {
            isError?: boolean;
            structuredContent?: Record<string, unknown>;
            content?: unknown;
          };
          error?: unknown;
        };
        if (reply.error || reply.result?.isError)
          throw new Error(JSON.stringify(reply.error ?? reply.result?.content));
        result = reply.result?.structuredContent;
      }
    });
    if (!result) throw new Error(`${name}: no result`);
    return result;
  }

  async close(): Promise<void> {
    if (!this.sessionId) return;
    await fetch(this.url, { method: 'DELETE', headers: this.headers() }).then((r) => r.text());
  }

  private post(body: unknown): Promise<Response> {
    return fetch(this.url, { method: 'POST', headers: this.headers(), body: JSON.stringify(body) });
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

/** Calls onData with each SSE event's data (or the JSON body of a non-SSE response). */
async function readSse(res: Response, onData: (data: string) => void): Promise<void> {
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  if (!res.headers.get('content-type')?.includes('text/event-stream')) {
    const text = await res.text();
    if (text) onData(text);
    return;
  }
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      if (data) onData(data);
    }
  }
}
