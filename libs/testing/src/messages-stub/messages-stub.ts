import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { auxiliaryReplyFor } from './auxiliary-reply';
import { classifyRequest } from './classify';
import { resolveMessage, StubIds } from './reply-message';
import { streamMessage, writeApiError, writeJson, writeMessage } from './respond';
import type {
  MessagesRequestBody,
  RecordedRequest,
  StubReply,
  StubReplySource,
  StubRequestKind,
} from './types';

export interface MessagesStubOptions {
  /** Answer for conversation requests when the queue is empty. Default `{ text: 'OK' }`. */
  defaultReply?: StubReplySource;
  /** Answer for helper model calls; structured-output helpers get schema-valid JSON instead. */
  auxiliaryReply?: StubReply;
  /** Answer for compaction requests. Default: a minimal `<analysis>`/`<summary>` text. */
  compactionReply?: StubReply;
  /** Replaces the built-in routing (see classify.ts) when a test needs its own. */
  classify?: (method: string, path: string, body: unknown) => StubRequestKind;
}

const DEFAULT_COMPACTION_REPLY: StubReply = {
  text: '<analysis>Stub analysis.</analysis>\n<summary>Stub summary of the conversation so far.</summary>',
};

const SECRET_HEADERS = new Set(['x-api-key', 'authorization', 'proxy-authorization']);

/**
 * A loopback Anthropic Messages API for driving the real `claude` CLI offline.
 * Conversation turns consume the `enqueue`d script in order; everything else gets defaults.
 */
export class MessagesStub {
  private readonly queue: StubReplySource[] = [];
  private readonly history: RecordedRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly ids = new StubIds();
  private readonly waiters = new Set<() => void>();
  private defaultReply: StubReplySource;
  private requestCount = 0;

  private constructor(
    private readonly server: Server,
    private readonly options: MessagesStubOptions,
  ) {
    this.defaultReply = options.defaultReply ?? { text: 'OK' };
  }

  static async start(options: MessagesStubOptions = {}): Promise<MessagesStub> {
    const server = createServer();
    const stub = new MessagesStub(server, options);
    server.on('request', (req, res) => void stub.handle(req, res));
    server.on('connection', (socket) => {
      stub.sockets.add(socket);
      socket.on('close', () => stub.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return stub;
  }

  /** Base URL for `ANTHROPIC_BASE_URL` (no trailing slash). */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Scripts the next conversation replies, consumed one per model round trip. */
  enqueue(...replies: StubReplySource[]): this {
    this.queue.push(...replies);
    return this;
  }

  setDefaultReply(reply: StubReplySource): this {
    this.defaultReply = reply;
    return this;
  }

  pendingReplies(): number {
    return this.queue.length;
  }

  /** Every request received, in arrival order. */
  requests(): RecordedRequest[] {
    return [...this.history];
  }

  /** Bodies of the main-conversation requests: what the CLI sent as the model's context. */
  conversationRequests(): MessagesRequestBody[] {
    return this.history
      .filter((r) => r.kind === 'conversation')
      .map((r) => r.body as MessagesRequestBody);
  }

  /** Resolves once at least `count` conversation requests arrived. */
  async waitForConversationRequests(
    count: number,
    timeoutMs = 10_000,
  ): Promise<MessagesRequestBody[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.conversationRequests().length < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${count} conversation requests`);
      }
      await this.nextRequest(left);
    }
    return this.conversationRequests();
  }

  /** Forgets the script and the history; the server keeps running. */
  reset(): void {
    this.queue.length = 0;
    this.history.length = 0;
  }

  /** Stops listening and cuts every open connection, including SSE streams mid-flight. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.server.closeAllConnections();
    await closed;
  }

  private nextRequest(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const recorded = await this.record(req);
      await this.answer(recorded, res);
    } catch (error) {
      if (!res.headersSent && !res.destroyed) {
        writeJson(res, 500, {
          type: 'error',
          error: { type: 'api_error', message: `stub failure: ${String(error)}` },
        });
      } else {
        res.destroy();
      }
    }
  }

  private async record(req: IncomingMessage): Promise<RecordedRequest> {
    const raw = await readBody(req);
    const [path, query = ''] = (req.url ?? '/').split('?', 2);
    const method = req.method ?? 'GET';
    const body = parseJson(raw);
    const recorded: RecordedRequest = {
      method,
      path,
      query,
      headers: redactHeaders(req),
      body,
      kind: (this.options.classify ?? classifyRequest)(method, path, body),
      receivedAt: Date.now(),
    };
    this.history.push(recorded);
    for (const wake of [...this.waiters]) wake();
    return recorded;
  }

  private async answer(request: RecordedRequest, res: ServerResponse): Promise<void> {
    this.requestCount += 1;
    const requestId = `req_stub_${String(this.requestCount).padStart(4, '0')}`;
    if (request.kind === 'count_tokens') {
      const size = JSON.stringify(request.body ?? '').length;
      return writeJson(res, 200, { input_tokens: Math.max(1, Math.ceil(size / 4)) });
    }
    if (request.kind === 'other') return this.answerOther(request, res);
    const reply = await this.replyFor(request);
    if (reply.error) return writeApiError(res, reply.error, requestId);
    const body = request.body as Partial<MessagesRequestBody>;
    const message = resolveMessage(reply, body.model ?? 'claude-stub', this.ids);
    if (body.stream === true) return streamMessage(res, message, reply, requestId);
    return writeMessage(res, message, requestId);
  }

  private answerOther(request: RecordedRequest, res: ServerResponse): void {
    // The CLI's start-up reachability probe is `HEAD /api/hello`; a HEAD has no body to carry JSON.
    if (request.method === 'HEAD') {
      res.writeHead(200);
      res.end();
      return;
    }
    writeJson(res, 404, {
      type: 'error',
      error: { type: 'not_found_error', message: `Not found: ${request.method} ${request.path}` },
    });
  }

  private async replyFor(request: RecordedRequest): Promise<StubReply> {
    if (request.kind === 'compaction')
      return this.options.compactionReply ?? DEFAULT_COMPACTION_REPLY;
    if (request.kind === 'auxiliary') {
      return auxiliaryReplyFor(request.body, this.options.auxiliaryReply ?? { text: 'OK' });
    }
    const source = this.queue.shift() ?? this.defaultReply;
    return typeof source === 'function' ? source(request) : source;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(raw: string): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function redactHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = SECRET_HEADERS.has(name) ? '[redacted]' : text;
  }
  return out;
}

export function startMessagesStub(options?: MessagesStubOptions): Promise<MessagesStub> {
  return MessagesStub.start(options);
}
