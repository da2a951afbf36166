/**
 * Safe by default: the whole system (gateway, worker, real Redis, an S3-protocol server, the real
 * CLI against the Messages API stub) with NO sandbox settings. A Bash probe in a session tries
 * every service the host offers: the Redis, the S3 server, the gateway's port, the worker's
 * health port and everything else listening on the host's loopback, directly and through the
 * egress proxy, plus the host's other addresses and the cloud metadata address. It reaches
 * nothing; the CLI itself reaches the stub API, through the proxy.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { discoverClaudeBinary } from '@app/claude';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { startMessagesStub, type MessagesStub } from '@app/testing/messages-stub';
import { startTestRedis, startTestS3, type TestRedis, type TestS3 } from '@app/testing/services';
import { callTool, connectClient, startSystem, type RunningSystem } from './support/system';

let redis: TestRedis;
let s3: TestS3;
let stub: MessagesStub;
let system: RunningSystem;

beforeAll(async () => {
  [redis, s3, stub] = await Promise.all([
    startTestRedis({ label: 'sbxdef' }),
    startTestS3({ label: 'sbxdef' }),
    startMessagesStub(),
  ]);
  system = await startSystem({
    redisUrl: redis.url,
    keyPrefix: redis.keyPrefix,
    // Only what any deployment sets: no SANDBOX* variable.
    env: {
      ...s3.env(),
      CLAUDE_BIN: discoverClaudeBinary({ path: '' }),
      ANTHROPIC_BASE_URL: stub.url,
      ANTHROPIC_API_KEY: 'test-key',
    },
  });
});

afterAll(async () => {
  await system?.close();
  await Promise.allSettled([stub?.close(), redis?.close(), s3?.close()]);
});

/** TCP ports listening on the host's loopback right now (/proc/net/tcp{,6}, state 0A). */
function loopbackListeners(): number[] {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local) continue;
      const [address, port] = local.split(':');
      const loopback = address.endsWith('7F') || address === '00000000000000000000000001000000';
      if (loopback) ports.add(parseInt(port, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i && i.family === 'IPv4' && !i.internal)
    .map((i) => i!.address);
}

/** The Bash probe: one line per target, `direct <target> open|closed` and `proxy <target> <http code>`. */
function probeScript(targets: string[]): string {
  return [
    `for t in ${targets.join(' ')}; do`,
    '  h=${t%:*}; p=${t##*:}',
    '  if timeout 3 bash -c "exec 3<>/dev/tcp/$h/$p" 2>/dev/null; then echo "direct $t open"; else echo "direct $t closed"; fi',
    '  echo "proxy $t $(curl -s -m 5 -o /dev/null -w "%{http_code}" -x "$HTTPS_PROXY" "http://$t/" 2>/dev/null)"',
    'done',
    'echo "== end"',
  ].join('\n');
}

function lastToolResult(): string {
  for (const request of [...stub.conversationRequests()].reverse()) {
    for (const message of [...request.messages].reverse()) {
      const content = (message as { content?: unknown }).content;
      if (!Array.isArray(content)) continue;
      const result = content.find((b: { type?: string }) => b.type === 'tool_result') as
        { content?: unknown } | undefined;
      if (result) {
        return typeof result.content === 'string' ? result.content : JSON.stringify(result.content);
      }
    }
  }
  return '';
}

it('with default settings a session’s Bash reaches no host service, the CLI still reaches the API', async () => {
  const config = system.worker.get<AppConfig>(APP_CONFIG);
  expect(config.sandbox).toMatchObject({
    mode: undefined,
    network: 'proxy',
    networkExplicit: false,
  });

  const api = new URL(stub.url);
  const named = {
    redis: `127.0.0.1:${redis.port}`,
    s3: new URL(s3.env().S3_ENDPOINT).host,
    gateway: `127.0.0.1:${system.urls[0].port}`,
    workerHealth: `127.0.0.1:${(system.worker.getHttpServer().address() as AddressInfo).port}`,
  };
  const others = loopbackListeners()
    .map((port) => `127.0.0.1:${port}`)
    .filter((t) => t !== api.host && !Object.values(named).includes(t));
  const external = [
    ...hostAddresses().map((a) => `${a}:${system.urls[0].port}`),
    '169.254.169.254:80',
  ];
  const targets = [...Object.values(named), ...others, ...external];

  const client = await connectClient(system.urls[0], 'acme');
  stub.enqueue(
    { toolUse: { name: 'Bash', input: { command: probeScript(targets), description: 'probe' } } },
    { text: 'Probed.' },
  );
  const turn = await callTool<{ status: string; result?: { result?: string } }>(
    client,
    'session_start',
    { prompt: 'Probe the network.', allowedTools: ['Bash'], wait: true },
    { timeout: 180_000 },
  );
  await client.close();
  expect(turn.status).toBe('idle');
  expect(turn.result?.result).toBe('Probed.');
  // Both model round trips went through the egress proxy to the stub.
  expect(stub.conversationRequests()).toHaveLength(2);

  const out = lastToolResult();
  expect(out).toContain('== end');
  const lines = out.split('\n');
  const direct = lines.filter((l) => l.startsWith('direct '));
  const proxied = lines.filter((l) => l.startsWith('proxy '));
  expect(direct).toHaveLength(targets.length);
  expect(proxied).toHaveLength(targets.length);
  expect(direct.filter((l) => l.endsWith(' open'))).toEqual([]);
  // The proxy answers 403 for everything that is not the API host.
  expect(proxied.filter((l) => !l.endsWith(' 403'))).toEqual([]);

  console.info(
    `sandbox defaults: ${targets.length} targets probed from Bash ` +
      `(Redis, S3, gateway, worker health, ${others.length} other loopback services, ` +
      `${external.length} host/metadata addresses): 0 reachable directly, 0 through the proxy ` +
      `(403 each); the CLI's 2 API requests went through the proxy`,
  );
});

it('the control: with SANDBOX_NETWORK=host the same probe reaches them (the test can fail)', async () => {
  const host = await system.addWorker({ SANDBOX_NETWORK: 'host' });
  await system.worker.close();
  system.worker = host;
  stub.reset();
  const targets = [`127.0.0.1:${redis.port}`, `127.0.0.1:${system.urls[0].port}`];
  const client = await connectClient(system.urls[0], 'acme');
  stub.enqueue(
    { toolUse: { name: 'Bash', input: { command: probeScript(targets), description: 'probe' } } },
    { text: 'Probed.' },
  );
  const turn = await callTool<{ status: string }>(
    client,
    'session_start',
    { prompt: 'Probe the network.', allowedTools: ['Bash'], wait: true },
    { timeout: 180_000 },
  );
  await client.close();
  expect(turn.status).toBe('idle');
  const out = lastToolResult();
  for (const target of targets) expect(out).toContain(`direct ${target} open`);
});
