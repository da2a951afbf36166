/*
 * A 2026-07-28 MCP client in a few lines of raw HTTP: no initialize, no session; every request
 * carries the `_meta` envelope and the Mcp-Method / Mcp-Name headers. It can declare the tasks
 * extension, which no SDK client speaks yet (DESIGN.md: "tests that need a tasks client speak
 * the extension themselves").
 */
export const MODERN = '2026-07-28';
export const TASKS = 'io.modelcontextprotocol/tasks';

export interface RpcAnswer {
  status: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
  /** Notifications that came before the answer on its SSE stream. */
  notifications: Array<Record<string, unknown>>;
}

export class ModernClient {
  private nextId = 1;

  constructor(
    private readonly url: URL,
    private readonly opts: { key?: string; tasks?: boolean; elicitation?: boolean } = {},
  ) {}

  async request(method: string, params: Record<string, unknown> = {}): Promise<RpcAnswer> {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientInfo': { name: 'modern-test', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': {
        ...(this.opts.tasks ? { extensions: { [TASKS]: {} } } : {}),
        ...(this.opts.elicitation ? { elicitation: { form: {} } } : {}),
      },
      ...((params._meta as Record<string, unknown> | undefined) ?? {}),
    };
    const name = method === 'tools/call' ? params.name : params.taskId;
    const res = await fetch(this.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'Mcp-Protocol-Version': MODERN,
        'Mcp-Method': method,
        ...(typeof name === 'string' ? { 'Mcp-Name': name } : {}),
        ...(this.opts.key ? { Authorization: `Bearer ${this.opts.key}` } : {}),
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: this.nextId++,
        method,
        params: { ...params, _meta: meta },
      }),
    });
    const text = await res.text();
    const messages = (res.headers.get('content-type') ?? '').includes('text/event-stream')
      ? text
          .split('\n')
          .filter((line) => line.startsWith('data: ') && line.length > 6)
          .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>)
      : text
        ? [JSON.parse(text) as Record<string, unknown>]
        : [];
    const answer = messages.find((m) => 'result' in m || 'error' in m);
    return {
      status: res.status,
      result: answer?.result as RpcAnswer['result'],
      error: answer?.error as RpcAnswer['error'],
      notifications: messages.filter((m) => m !== answer),
    };
  }

  callTool(name: string, args: Record<string, unknown>, meta: Record<string, unknown> = {}) {
    return this.request('tools/call', { name, arguments: args, _meta: meta });
  }

  /** An input-required round's retry: the same call with the answers and the echoed state. */
  retryTool(
    name: string,
    args: Record<string, unknown>,
    round: { inputResponses: Record<string, unknown>; requestState?: unknown },
  ) {
    return this.request('tools/call', { name, arguments: args, ...round });
  }

  tasksGet(taskId: string) {
    return this.request('tasks/get', { taskId });
  }

  tasksCancel(taskId: string) {
    return this.request('tasks/cancel', { taskId });
  }
}
