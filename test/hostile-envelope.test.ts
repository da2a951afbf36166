/**
 * Hostile HTTP / JSON-RPC envelopes (issue 13, item 7): invalid JSON, a batch of 10,000, 100k-deep
 * nesting, 50 MB bodies, wrong and missing Content-Type and Accept, unknown methods,
 * notifications with ids, ids of every JSON type, missing and garbled bearer keys, another
 * tenant's Mcp-Session-Id, bodies trickling in or never ending (test/support/hostile-envelope.ts),
 * plus fast-check-generated garbled bodies, headers, ids, methods and batch sizes. Real HTTP into
 * a gateway running as its own process, beside a worker on a real Redis. Every case gets a clean
 * answer within BOUND_MS (a body that never ends: within the gateway's 30 s body deadline), the
 * gateway stays up, its RSS grows less than RSS_GROWTH_BOUND_MIB, and nothing is written.
 *
 * HOSTILE_SEED=<n> replays the generated cases (the seed is printed on failure).
 */
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { createRedisConnection } from '@app/redis';
import {
  changesOnItsOwn,
  footprintChanges,
  largestKeyBytes,
  RssSampler,
  takeFootprint,
  type Footprint,
  type FootprintScope,
} from './support/footprint';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process';
import { MAX_ANSWER_BYTES } from './support/hostile-arguments';
import {
  ENVELOPE_CATEGORIES,
  envelopeArbitrary,
  envelopeCases,
  type EnvelopeCase,
  type EnvelopeCategory,
  type EnvelopeTarget,
} from './support/hostile-envelope';
import { RawMcp, type Answer } from './support/hostile-http';
import { startRealCliSystem, TENANT_KEYS, type RealCliSystem } from './support/system';

/** Longest any one case may take to be answered (send start to the answer's last byte). */
const BOUND_MS = 2_000;
/** Largest growth of the gateway process's RSS over the whole run (from its RSS when idle). */
const RSS_GROWTH_BOUND_MIB = 256;
const GENERATED_CASES = 300;
const SEED = Number(process.env.HOSTILE_SEED ?? Math.floor(Math.random() * 2 ** 31));

let world: RealCliSystem;
let gateway: GatewayProcess;
let acme: RawMcp;
let globex: RawMcp;
let target: EnvelopeTarget;
let redis: Redis;
let scope: FootprintScope;
/**
 * The largest answer a valid request gets: tools/list (every tool's schemas and descriptions).
 * A garbled envelope that still reads as tools/list may answer that much; nothing else may.
 */
let answerBound = MAX_ANSWER_BYTES;

beforeAll(async () => {
  world = await startRealCliSystem('hostile-envelope', { SANDBOX: 'none' });
  gateway = await startGatewayProcess(world);
  acme = new RawMcp(gateway.url, TENANT_KEYS.acme);
  globex = new RawMcp(gateway.url, TENANT_KEYS.globex);
  await Promise.all([acme.initialize(), globex.initialize()]);
  target = {
    url: gateway.url,
    key: TENANT_KEYS.acme,
    session: acme.session!,
    otherKey: TENANT_KEYS.globex,
    otherSession: globex.session!,
  };
  redis = createRedisConnection(world.redis.url, { name: 'hostile-footprint' });
  scope = { redis, match: `*${world.redis.namespace}*`, dirs: [world.system.dataDir] };
  const listing = await acme.post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), {
    stateful: true,
    timeoutMs: 5_000,
  });
  answerBound = Math.max(MAX_ANSWER_BYTES, listing.bytes + 1_024);
}, 120_000);

afterAll(async () => {
  acme?.close();
  globex?.close();
  await redis?.quit();
  await gateway?.stop();
  await world?.close();
});

interface Tally {
  cases: number;
  slowestMs: number;
}

describe('hostile HTTP / JSON-RPC envelopes', () => {
  it('answers every case cleanly within its bound, writes nothing and stays up', async () => {
    const before = await takeFootprint(scope);
    const rss = new RssSampler(() => gateway.rssMiB());
    const tallies = new Map<EnvelopeCategory, Tally>(
      ENVELOPE_CATEGORIES.map((c) => [c, { cases: 0, slowestMs: 0 }]),
    );
    const failures: string[] = [];
    const run = async (c: EnvelopeCase) => {
      const bound = c.boundMs ?? BOUND_MS;
      const answer = await c.send(target, bound + 3_000);
      const tally = tallies.get(c.category)!;
      tally.cases++;
      tally.slowestMs = Math.max(tally.slowestMs, answer.ms);
      const wrong = verdict(c, answer, bound);
      return wrong && `${c.category} / ${c.name}: ${wrong}`;
    };
    const cases = envelopeCases();
    // Slow bodies take their time: sent at once, side by side with everything else.
    const slow = Promise.all(cases.filter((c) => c.category === 'slow-body').map(run));
    for (const c of cases.filter((c) => c.category !== 'slow-body')) {
      const wrong = await run(c);
      if (wrong) failures.push(wrong);
    }
    try {
      await fc.assert(
        fc.asyncProperty(envelopeArbitrary(), async (c) => {
          const wrong = await run(c);
          if (wrong) throw new Error(wrong);
        }),
        { seed: SEED, numRuns: GENERATED_CASES, includeErrorInReport: true },
      );
    } catch (error) {
      failures.push(`${String(error)}\nreplay with HOSTILE_SEED=${SEED}`);
    }
    failures.push(...(await slow).filter((f): f is string => typeof f === 'string'));
    const memory = rss.stop();
    report(tallies, memory);
    expect(failures).toEqual([]);
    expect(gateway.alive()).toBe(true);
    expect(memory.peakMiB - memory.baselineMiB).toBeLessThan(RSS_GROWTH_BOUND_MIB);
    await expectNothingWritten(before);
    // The other tenant's MCP session survived its DELETE by this tenant, and both still work.
    for (const client of [globex, acme]) {
      const answer = await client.post(
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
        { stateful: true, timeoutMs: 5_000 },
      );
      expect(answer).toMatchObject({ kind: 'ok', status: 200 });
    }
  }, 120_000);
});

function verdict(c: EnvelopeCase, answer: Answer, boundMs: number): string | undefined {
  if (answer.ms > boundMs && answer.kind !== 'failure') {
    return `answered in ${answer.ms} ms, over the ${boundMs} ms bound`;
  }
  // A batch answers every message; an id is echoed as sent: both may be long legitimately.
  if (answer.bytes > answerBound && c.category !== 'id-types' && c.category !== 'huge-batch') {
    return `an answer of ${answer.bytes} bytes: ${answer.text?.slice(0, 100)}`;
  }
  const wrong = c.check(answer);
  if (wrong) return wrong;
  if (!gateway.alive()) return 'the gateway exited';
  return undefined;
}

/**
 * No key added, removed or changed under the test's Redis namespace, no file in the data dir:
 * no MCP session record for an initialize that was refused, nothing for a refused batch. The
 * clients' own MCP sessions keep their answers for replay (small entries, expiring).
 */
async function expectNothingWritten(before: Footprint): Promise<void> {
  const own = [acme.session, globex.session].map((id) => `:mcp:{${id}}:sse:`);
  const after = await takeFootprint(scope);
  const history = [...after.keys.keys()].filter((key) => own.some((h) => key.includes(h)));
  expect(await largestKeyBytes(redis, history)).toBeLessThan(2 * answerBound);
  const changes = footprintChanges(
    before,
    after,
    (name) => own.some((h) => name.includes(h)) || changesOnItsOwn(name),
  );
  expect(changes).toEqual([]);
}

function report(tallies: Map<EnvelopeCategory, Tally>, memory: ReturnType<RssSampler['stop']>) {
  if (!process.env.HOSTILE_VERBOSE) return;
  const rows = [...tallies].map(
    ([category, t]) => `${category}: ${t.cases} cases, slowest ${t.slowestMs} ms`,
  );
  console.log(
    `seed ${SEED}\n${rows.join('\n')}\nRSS ${memory.baselineMiB.toFixed(0)} → peak ${memory.peakMiB.toFixed(0)} → end ${memory.endMiB.toFixed(0)} MiB`,
  );
}
