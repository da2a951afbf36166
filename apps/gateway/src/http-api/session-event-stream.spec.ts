import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SessionEvent, SessionStatus } from '@app/contracts';
import { eventually } from '@app/testing/eventually';
import { SessionEventStream, type EventPage } from './session-event-stream';

const event = (seq: number, kind: SessionEvent['kind'] = 'claude', data: unknown = {}) => ({
  id: `1700000000000-${seq}`,
  seq,
  turn: 1,
  kind,
  ts: 1700000000000,
  data,
});

/**
 * The session's event log as the stream reads it: pages after a cursor, a long-poll that waits
 * for the next append (or its time, or the abort), and every read recorded.
 */
class ScriptedLog {
  readonly events: SessionEvent[] = [];
  readonly reads: Array<{ after: string | undefined; waitMs: number; aborted?: boolean }> = [];
  status: SessionStatus = 'running';
  private wake?: () => void;

  append(...events: SessionEvent[]): void {
    this.events.push(...events);
    this.wake?.();
  }

  read = async (
    after: string | undefined,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<EventPage> => {
    const read: (typeof this.reads)[number] = { after, waitMs };
    this.reads.push(read);
    const page = () => {
      const from = after ? this.events.findIndex((e) => e.id === after) + 1 : 0;
      const events = this.events.slice(from);
      return { events, next: events.at(-1)?.id ?? after ?? '0-0', status: this.status };
    };
    if (page().events.length > 0 || waitMs === 0) return page();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      this.wake = () => (clearTimeout(timer), resolve());
      signal.addEventListener('abort', () => {
        read.aborted = true;
        this.wake?.();
      });
    });
    return page();
  };
}

let server: Server;
let log: ScriptedLog;
let served: Promise<void> | undefined;

async function open(
  after?: string,
): Promise<{ status: number; text: () => string; close: () => void }> {
  const stream = new SessionEventStream(
    log.read,
    { heartbeatMs: 50, retryMs: 1000 },
    { warn: () => undefined },
  );
  server = createServer((req, res) => {
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    served = stream.serve(res, after, gone.signal);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const abort = new AbortController();
  const res = await fetch(`http://127.0.0.1:${port}/`, { signal: abort.signal });
  let text = '';
  if (res.body) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return;
        text += decoder.decode(value, { stream: true });
      }
    })();
  }
  return { status: res.status, text: () => text, close: () => abort.abort() };
}

beforeEach(() => {
  log = new ScriptedLog();
  served = undefined;
});

afterEach(async () => {
  if (!server?.listening) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('SessionEventStream', () => {
  it('sends history then live events with their ids, and heartbeat comments while idle', async () => {
    log.append(event(1), event(2));
    const client = await open('1700000000000-0');
    expect(client.status).toBe(200);
    await eventually('two heartbeats', () => client.text().split(': heartbeat').length > 2);
    log.append(event(3));
    await eventually('the live event', () => client.text().includes('id: 1700000000000-3'));
    const text = client.text();
    expect(text.startsWith('retry: 1000\n\n')).toBe(true);
    expect(text).toContain(`id: 1700000000000-1\ndata: ${JSON.stringify(event(1))}\n\n`);
    expect(text.indexOf('-1\n')).toBeLessThan(text.indexOf('-2\n'));
    // Each read goes on from the last event sent: nothing twice, nothing skipped.
    expect(log.reads.map((r) => r.after)).toEqual(
      expect.arrayContaining(['1700000000000-0', '1700000000000-2', '1700000000000-3']),
    );
    expect(log.reads.slice(1).every((r) => r.waitMs === 50)).toBe(true);
    client.close();
  });

  it('ends after the event that terminates the session, with event: end', async () => {
    log.append(event(1), event(2, 'status', { status: 'terminated' }), event(3, 'stderr'));
    log.status = 'terminated';
    const client = await open();
    await served;
    await eventually('event: end', () => client.text().includes('event: end'));
    const text = client.text();
    expect(text).toContain('id: 1700000000000-3');
    expect(text.endsWith('event: end\ndata: {"status":"terminated"}\n\n')).toBe(true);
  });

  it('answers 204 when the session has ended and nothing is left after the cursor', async () => {
    log.append(event(1, 'status', { status: 'terminated' }));
    log.status = 'terminated';
    const client = await open('1700000000000-1');
    expect(client.status).toBe(204);
  });

  it('stops its long-poll when the client goes away', async () => {
    const client = await open();
    await eventually('a long-poll', () => log.reads.some((r) => r.waitMs > 0));
    client.close();
    await served;
    expect(log.reads.at(-1)?.aborted).toBe(true);
  });

  it('paces polls that come back empty early (a subscription that failed): no spin', async () => {
    log.read = async (after) => ({ events: [], next: after ?? '0-0', status: 'running' });
    const reads: number[] = [];
    const read = log.read;
    log.read = (after, waitMs, signal) => (reads.push(Date.now()), read(after, waitMs, signal));
    const client = await open();
    await eventually('five reads', () => reads.length >= 5);
    client.close();
    // After the opening read and the first long-poll, one poll per 50 ms heartbeat at most.
    expect(reads[4] - reads[1]).toBeGreaterThanOrEqual(140);
  });

  it('throws what the first read throws, before writing anything (the caller answers it)', async () => {
    const stream = new SessionEventStream(
      () => Promise.reject(new Error('session x not found')),
      { heartbeatMs: 50, retryMs: 1000 },
      { warn: () => undefined },
    );
    const res = { writeHead: jest.fn(), write: jest.fn(), end: jest.fn() };
    await expect(
      stream.serve(res as never, undefined, new AbortController().signal),
    ).rejects.toThrow('not found');
    expect(res.writeHead).not.toHaveBeenCalled();
  });
});
