/**
 * The whole system on a Redis Cluster (three masters, a replica each): gateway and worker find
 * out from REDIS_URL alone that it is a cluster, and sessions, their queue, streams, leases and
 * control run unchanged. Then the master holding a session's keys is killed in the middle of a
 * streaming turn: its replica takes over, the turn finishes, the live stream and the stored
 * events have every event once, in order, and the next turn runs. The CLI stand-in replays the
 * real CLI's recordings.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { keys, type SessionEvent } from '@app/contracts';
import { eventually } from '@app/testing/eventually';
import { startTestRedisCluster, type TestRedisCluster } from '@app/testing/services';
import { buildCliStandin } from '../libs/testing/cli-standin/build';
import { callTool, connectClient, startSystem, type RunningSystem } from './support/system';

let cluster: TestRedisCluster;
let system: RunningSystem;
let client: Client;

beforeAll(async () => {
  const [bin, started] = await Promise.all([
    buildCliStandin(),
    startTestRedisCluster({ label: 'e2e', nodeTimeoutMs: 1_000 }),
  ]);
  cluster = started;
  system = await startSystem({
    // The seed and nothing else: no REDIS_CLUSTER, the apps ask Redis.
    redisUrl: cluster.url,
    keyPrefix: cluster.keyPrefix,
    env: { CLAUDE_BIN: bin, SANDBOX: 'none', SANDBOX_NETWORK: 'host' },
  });
  client = await connectClient(system.urls[0], 'acme');
}, 60_000);

afterAll(async () => {
  await client?.close();
  await system?.close();
  await cluster?.close();
});

interface Turn {
  status: string;
  sessionId: string;
  result?: { is_error: boolean; result?: string };
}

async function events(sessionId: string): Promise<SessionEvent[]> {
  const page = await callTool<{ events: SessionEvent[] }>(client, 'session_events', {
    sessionId,
    limit: 1000,
  });
  return page.events;
}

/** When Redis stored the event: the ms part of its id (the append script's TIME). */
const storedAt = (e: SessionEvent) => Number(e.id.split('-')[0]);
const statusOf = (e: SessionEvent) => (e.data as { status?: string }).status;
const lineType = (e: SessionEvent) => (e.data as { type?: string }).type;
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

it('runs sessions on the cluster and goes on through a failover of the session’s master', async () => {
  const started = await callTool<Turn>(client, 'session_start', {
    prompt: '[[standin recording=text]] hello',
    wait: true,
  });
  expect(started).toMatchObject({ status: 'idle', result: { is_error: false } });
  const { sessionId } = started;
  const second = await callTool<Turn>(client, 'session_send', {
    sessionId,
    message: '[[standin recording=text]] again',
    wait: true,
  });
  expect(second.status).toBe('idle');

  // Turn 3 streams for about 4 s; the client waits for it, reading the live progress.
  const live: SessionEvent[] = [];
  const third = callTool<Turn>(
    client,
    'session_send',
    {
      sessionId,
      message: '[[standin recording=long_text pace_ms=40]] count to a hundred',
      wait: true,
    },
    { onprogress: (p) => p.message && live.push(JSON.parse(p.message) as SessionEvent) },
  );
  await eventually('turn 3 to stream a while', () => live.length >= 10);

  const sessionKey = `${cluster.keyPrefix}${keys.session(sessionId)}`;
  const seenBeforeKill = await events(sessionId);
  const failover = await cluster.failover(sessionKey);
  const { killedAt } = failover;

  // The first call the gateway answers after the kill (it reads the session's hash).
  let firstCallMs = 0;
  await eventually(
    'a call to succeed after the kill',
    async () => {
      const ok = await callTool(client, 'session_status', { sessionId }).then(
        () => true,
        () => false,
      );
      if (ok) firstCallMs = Date.now() - killedAt;
      return ok;
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );

  // Turn 3 ends as it would have, and the session takes the next message.
  const words = Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ');
  expect(await third).toMatchObject({ status: 'idle', result: { is_error: false, result: words } });
  const fourth = await callTool<Turn>(client, 'session_send', {
    sessionId,
    message: '[[standin recording=text]] and now?',
    wait: true,
  });
  expect(fourth).toMatchObject({
    status: 'idle',
    result: { result: 'Hello from the stub model.' },
  });

  const all = await events(sessionId);
  // Nothing lost or repeated, nothing renumbered: seqs 1..n, and every event stored before the
  // kill is still there, the same.
  expect(all.map((e) => e.seq)).toEqual(oneTo(all.length));
  expect(all.slice(0, seenBeforeKill.length)).toEqual(seenBeforeKill);
  // The live stream of the waited call: every event of turn 3 once, in order, as stored.
  expect(live).toEqual(all.filter((e) => e.turn === 3));
  // Turn 3 ran once to its end: no crash, no re-run, its whole text.
  const turn3 = all.filter((e) => e.turn === 3);
  expect(turn3.filter((e) => lineType(e) === 'result')).toHaveLength(1);
  expect(turn3.some((e) => e.kind === 'turn_restarted' || statusOf(e) === 'recovered')).toBe(false);
  expect(turn3.filter((e) => statusOf(e) === 'idle')).toHaveLength(1);
  expect(all.some((e) => statusOf(e) === 'failed')).toBe(false);

  // The session's keys are served by the promoted replica now.
  expect((await cluster.masterOf(sessionKey)).port).toBe(failover.promoted.port);
  const firstStoredMs =
    Math.min(...all.filter((e) => storedAt(e) > killedAt).map(storedAt)) - killedAt;
  const bufferedDuringFailover = all.filter((e) => storedAt(e) > killedAt && e.turn === 3).length;
  console.log(
    `Redis Cluster failover of the session's master: replica promoted after ${failover.ms} ms; ` +
      `first event stored ${firstStoredMs} ms and first call answered ${firstCallMs} ms after ` +
      `the kill; ${bufferedDuringFailover} events of the running turn stored after it; ` +
      `events lost 0 of ${all.length}`,
  );
  expect(failover.ms).toBeLessThan(15_000);
  expect(firstStoredMs).toBeLessThan(15_000);
});
