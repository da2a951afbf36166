/**
 * One MCP request at a time over node:http with keep-alive, in either era, reading the answer by
 * hand (JSON or SSE): the load generator should cost this 2-core machine as little as it can.
 */
import { Agent, request } from 'node:http';

export type Era = '2026-07-28' | '2025-11-25';

export class EraClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private nextId = 1;
  private sessionId: string | undefined;

  constructor(
    private readonly url: URL,
    private readonly key: string,
    readonly era: Era,
    /** Declares the tasks extension on every 2026-07-28 request. */
    private readonly tasks = false,
  ) {}

  /** 2025-11-25: initialize (an MCP session); 2026-07-28: nothing to open. */
  async open(): Promise<void> {
    if (this.era !== '2025-11-25') return;
    const init = await this.post({
      jsonrpc: '2.0',
      id: this.nextId++,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    });
    this.sessionId = init.sessionId;
    await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  /** Sends one request; resolves with its JSON-RPC result (throws on an error answer). */
  async call(
    method: string,
    params: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    const modern = this.era === '2026-07-28';
    const meta = modern
      ? {
          'io.modelcontextprotocol/protocolVersion': this.era,
          'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': this.tasks
            ? { extensions: { 'io.modelcontextprotocol/tasks': {} } }
            : {},
        }
      : undefined;
    const name = typeof params.name === 'string' ? params.name : params.taskId;
    const { body } = await this.post(
      {
        jsonrpc: '2.0',
        id: this.nextId++,
        method,
        params: { ...params, ...(meta ? { _meta: meta } : {}) },
      },
      modern
        ? { 'mcp-method': method, ...(typeof name === 'string' ? { 'mcp-name': name } : {}) }
        : {},
    );
    const line = body.startsWith('{')
      ? body
      : (body
          .split('\n')
          .find((l) => l.startsWith('data: {') && l.includes('"id"'))
          ?.slice(6) ?? '');
    const answer = JSON.parse(line) as { result?: Record<string, unknown>; error?: unknown };
    if (!answer.result) throw new Error(`${method}: ${JSON.stringify(answer.error ?? body)}`);
    return answer.result;
  }

  close(): void {
    this.agent.destroy();
  }

  private post(
    message: Record<string, unknown>,
    extra: Record<string, string> = {},
  ): Promise<{ body: string; sessionId?: string }> {
    const payload = JSON.stringify(message);
    return new Promise((resolve, reject) => {
      const req = request(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${this.key}`,
          'mcp-protocol-version': this.era,
          ...(this.sessionId ? { 'mcp-session-id': this.sessionId } : {}),
          ...extra,
        },
      });
      req.once('error', reject);
      req.once('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.once('end', () => {
          const id = res.headers['mcp-session-id'];
          resolve({ body, sessionId: Array.isArray(id) ? id[0] : id });
        });
      });
      req.end(payload);
    });
  }
}
