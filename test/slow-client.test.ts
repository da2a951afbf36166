/**
 * A client that does not read its response: a call streaming progress to it holds back once the
 * response has a bounded amount buffered, instead of piling messages up in the gateway; and it
 * goes on, losing nothing, once the client reads again.
 */
import { request } from 'node:http';
import { eventually } from '@app/testing/eventually';
import { useTestRedis } from '@app/testing/services';
import {
  FakeToolProbe,
  fakeToolset,
  startTestGateway,
  type TestGateway,
} from './support/mcp-test-gateway';

const COUNT = 4_000;
const BYTES = 16_384; // 64 MB of progress in all
/** What the kernel's socket buffers hold on loopback (send and receive side) is not the gateway's. */
const HELD_BYTES_BOUND = 16 * 1024 * 1024;

describe('a slow client', () => {
  const redis = useTestRedis({ label: 'slowclient' });
  const probe = new FakeToolProbe();
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      redisUrl: redis().url,
      keyPrefix: redis().keyPrefix,
      tools: fakeToolset(probe).tools,
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('holds the call back while it does not read, and gets everything once it does', async () => {
    // Without the hold-back this process would queue all 64 MB; with it, it waits for the client.
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'flood',
        arguments: { count: COUNT, bytes: BYTES },
        _meta: { progressToken: 'p' },
      },
    });
    const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
        },
      });
      req.on('response', resolve);
      req.on('error', reject);
      req.end(body);
    });
    response.pause(); // the client reads nothing for now
    // Held back: the call waits to hand over a message, and has handed over none since the last
    // look (the event loop ran timers in between, so any 'drain' would have been seen). A call
    // that ran away would finish the flood instead, and this would time out.
    let seen = -1;
    await eventually(
      'the call to hold back',
      () => {
        const stalled = probe.floodWaiting && probe.flooded === seen;
        seen = probe.flooded;
        return stalled;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    const held = probe.flooded;
    expect(held * BYTES).toBeLessThan(HELD_BYTES_BOUND);
    console.log(
      `slow client: the call held back after ${held} of ${COUNT} progress messages (${Math.round((held * BYTES) / 2 ** 20)} MiB)`,
    );

    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (text += chunk));
    response.resume();
    await new Promise((resolve) => response.once('end', resolve));
    const progress = text.match(/"method":"notifications\/progress"/g) ?? [];
    expect(progress).toHaveLength(COUNT);
    expect(text).toContain(`"structuredContent":{"count":${COUNT}}`);
  });
});
