/**
 * Hostile input at volume (issue 13, item 7; "Fuzz" of the chaos part): the generators of
 * test/hostile-tool-arguments.test.ts and test/hostile-envelope.test.ts, a few thousand cases,
 * against a gateway and a worker started as separate processes on a private Redis. Per category:
 * cases tried, answered with an error, answers that were not the expected clean one, crashes
 * (gateway or worker exited: must be 0), slowest answer, the gateway's peak RSS; and whether the
 * refused requests wrote anything (Redis keys, data dir: must not).
 *
 * FUZZ_SEED=<n> replays a run; FUZZ_SCALE=<factor> scales the number of cases (default 1: about
 * 4,000 cases, a few minutes, most of it the multi-megabyte ones).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createRedisConnection, startEmbeddedRedis } from '@app/redis';
import { buildCliStandin } from '../../libs/testing/cli-standin/build';
import {
  changesOnItsOwn,
  footprintChanges,
  largestKeyBytes,
  RssSampler,
  takeFootprint,
} from '../../test/support/footprint';
import {
  bodyOf,
  CONTRACT_TOOL_INPUTS,
  expectedAnswer,
  leak,
  MAX_ANSWER_BYTES,
  mismatch,
  TOOL_CATEGORIES,
  toolCases,
  type FuzzTarget,
  type ToolCategory,
} from '../../test/support/hostile-arguments';
import {
  envelopeArbitrary,
  envelopeCases,
  type EnvelopeCase,
  type EnvelopeTarget,
} from '../../test/support/hostile-envelope';
import { RawMcp, type Answer } from '../../test/support/hostile-http';
import { RawMcpClient } from '../raw-mcp-client';
import { freePort, rssMiB, startService, type ServiceProcess } from '../system-processes';

const KEYS = { acme: 'fuzz-acme-key-0123456789abcdef', globex: 'fuzz-globex-key-0123456789abcdef' };
/** The bound every answer is held to (a body that never ends: the gateway's body deadline). */
const BOUND_MS = 2_000;
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const TOOL_RUNS: Record<ToolCategory, number> = {
  'wrong-types': 500,
  'huge-strings': 150,
  'unknown-fields': 400,
  'odd-unicode': 500,
  'path-like-ids': 400,
  'odd-numbers': 400,
  'deep-objects': 200,
  'tool-names': 200,
  'foreign-ids': 200,
};
const ENVELOPE_GENERATED = 1_000;

interface Row {
  cases: number;
  errors: number;
  unexpected: number;
  slowestMs: number;
  firstUnexpected?: string;
}

export async function runFuzz(): Promise<{
  rows: Record<string, string | number>[];
  notes: string[];
}> {
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const dir = mkdtempSync(join(tmpdir(), 'bench-fuzz-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const redis = await startEmbeddedRedis(join(dir, 'redis-home'));
  const footprintRedis = createRedisConnection(redis.url, { name: 'fuzz-footprint' });
  const common = {
    REDIS_URL: redis.url,
    DATA_DIR: dataDir,
    MCP_API_KEYS: `acme:${KEYS.acme},globex:${KEYS.globex}`,
  };
  let worker: ServiceProcess | undefined;
  let gateway: ServiceProcess | undefined;
  try {
    worker = await startService(
      'apps/worker/src/main.ts',
      {
        ...common,
        WORKER_HEALTH_PORT: String(await freePort()),
        WORKER_CONCURRENCY: '4',
        CLAUDE_BIN: await buildCliStandin(),
        SANDBOX: 'none',
        SESSION_IDLE_MS: '3600000',
      },
      'worker ready',
    );
    const port = await freePort();
    gateway = await startService(
      'apps/gateway/src/main.ts',
      { ...common, PORT: String(port) },
      'gateway listening',
    );
    const url = new URL(`http://127.0.0.1:${port}/mcp`);
    const gatewayPid = gateway.child.pid ?? 0;
    const up = [gateway, worker];
    const crashed = () =>
      up.filter((s) => s.child.exitCode !== null || s.child.signalCode !== null).length;

    // The other tenant: a real session with a checkpoint, and an MCP session.
    const globex = new RawMcpClient(url, KEYS.globex);
    await globex.connect();
    const { sessionId } = await globex.callTool('session_start', {
      prompt: '[[standin recording=text]] hello',
      wait: true,
    });
    const { checkpointId } = await globex.callTool('checkpoint_create', {
      sessionId,
      label: 'theirs',
    });
    const { createdAt } = await globex.callTool('session_status', { sessionId });
    const globexRaw = new RawMcp(url, KEYS.globex);
    await globexRaw.initialize();
    const acme = new RawMcp(url, KEYS.acme);
    await acme.initialize();
    const member = `${String(Date.parse(String(createdAt))).padStart(15, '0')}:${String(sessionId)}`;
    const target: FuzzTarget = {
      tools: await acme.listTools(),
      foreign: {
        sessionId: String(sessionId),
        checkpointId: String(checkpointId),
        listCursor: Buffer.from(member).toString('base64url'),
      },
    };
    const fuzzed = target.tools.filter((t) => CONTRACT_TOOL_INPUTS.has(t.name));
    const unknownSchemas = target.tools.filter((t) => !CONTRACT_TOOL_INPUTS.has(t.name));
    const scope = { redis: footprintRedis, match: '*', dirs: [dataDir] };
    const before = await takeFootprint(scope);
    const rss = new RssSampler(() => rssMiB(gatewayPid));
    const rows: Record<string, string | number>[] = [];
    const row = (part: string, category: string, r: Row) =>
      rows.push({
        part,
        category,
        cases: r.cases,
        'answered with an error': r.errors,
        unexpected: r.unexpected,
        crashes: crashed(),
        'slowest ms': Math.round(r.slowestMs),
        'gateway RSS peak so far MiB': Math.round(rss.peakMiB),
        ...(r.firstUnexpected ? { 'first unexpected': r.firstUnexpected.slice(0, 200) } : {}),
      });
    const tally = (): Row => ({ cases: 0, errors: 0, unexpected: 0, slowestMs: 0 });
    const record = (r: Row, answer: Answer, wrong: string | undefined, what: string) => {
      r.cases++;
      r.slowestMs = Math.max(r.slowestMs, answer.ms);
      if (['rpc-error', 'tool-error', 'http-refusal'].includes(answer.kind)) r.errors++;
      if (wrong) {
        r.unexpected++;
        r.firstUnexpected ??= `${what}: ${wrong}`;
      }
      rss.sample();
    };

    // Envelope: slow bodies run beside everything else (they take the 30 s body deadline).
    const envelopeTarget: EnvelopeTarget = {
      url,
      key: KEYS.acme,
      session: acme.session!,
      otherKey: KEYS.globex,
      otherSession: globexRaw.session!,
    };
    const envelopeRows = new Map<string, Row>();
    const runEnvelope = async (c: EnvelopeCase) => {
      const bound = c.boundMs ?? BOUND_MS;
      const answer = await c.send(envelopeTarget, bound + 3_000);
      const late = answer.ms > bound ? `answered in ${answer.ms} ms (bound ${bound})` : undefined;
      const r = envelopeRows.get(c.category) ?? tally();
      envelopeRows.set(c.category, r);
      record(r, answer, late ?? c.check(answer), c.name);
    };
    const fixed = envelopeCases();
    const slow = Promise.all(fixed.filter((c) => c.category === 'slow-body').map(runEnvelope));

    // Tool arguments, category by category.
    let nextId = 1;
    for (const [i, category] of TOOL_CATEGORIES.entries()) {
      const r = tally();
      await fc.check(
        fc.asyncProperty(
          toolCases(category, { ...target, tools: fuzzed }),
          fc.boolean(),
          async (c, stateful) => {
            const expected = expectedAnswer(c, CONTRACT_TOOL_INPUTS, target.tools);
            if (!expected) return; // valid and served: not hostile input
            const answer = await acme.post(bodyOf(c, nextId++), {
              stateful,
              timeoutMs: BOUND_MS + 3_000,
            });
            let wrong = mismatch(answer, expected, BOUND_MS) ?? leak(answer, c, target.foreign);
            if (!wrong && c.twin) {
              const twin = await acme.post(bodyOf(c, nextId++, c.twin.args), {
                stateful,
                timeoutMs: BOUND_MS + 3_000,
              });
              const norm = (t = '') =>
                c.twin!.swaps.reduce(
                  (s, [a, b]) => s.split(a).join('<id>').split(b).join('<id>'),
                  t,
                );
              if (norm(twin.text) !== norm(answer.text))
                wrong = `foreign id answered ${answer.text}, unknown id ${twin.text}`;
            }
            record(r, answer, wrong, `${c.tool} ${c.what}`);
          },
        ),
        { seed: seed + i, numRuns: Math.max(1, Math.round(TOOL_RUNS[category] * SCALE)) },
      );
      row('tool arguments', category, r);
    }

    for (const c of fixed.filter((c) => c.category !== 'slow-body')) await runEnvelope(c);
    await fc.check(
      fc.asyncProperty(envelopeArbitrary(), (c) => runEnvelope(c)),
      { seed, numRuns: Math.max(1, Math.round(ENVELOPE_GENERATED * SCALE)) },
    );
    await slow;
    for (const [category, r] of envelopeRows) row('envelope', category, r);

    const memory = rss.stop();
    const after = await takeFootprint(scope);
    const own = [acme.session, globexRaw.session].map((id) => `:mcp:{${id}}:sse:`);
    const writes = footprintChanges(
      before,
      after,
      (name) => own.some((h) => name.includes(h)) || changesOnItsOwn(name),
    );
    const historyBytes = await largestKeyBytes(
      footprintRedis,
      [...after.keys.keys()].filter((k) => own.some((h) => k.includes(h))),
    );
    const total = rows.reduce((n, r) => n + Number(r.cases), 0);
    const unexpected = rows.reduce((n, r) => n + Number(r.unexpected), 0);
    return {
      rows,
      notes: [
        `${total} cases (seed ${seed}, FUZZ_SEED replays; FUZZ_SCALE ${SCALE}), ${unexpected} unexpected answers, ${crashed()} crashes (gateway and worker ${crashed() === 0 ? 'up' : 'NOT up'} at the end)`,
        `gateway RSS: ${memory.baselineMiB.toFixed(0)} MiB idle → peak ${memory.peakMiB.toFixed(0)} MiB → ${memory.endMiB.toFixed(0)} MiB at the end (sampled every 20 ms from /proc)`,
        `bound per answer ${BOUND_MS} ms (a body that never ends: the gateway's 30 s body deadline); answers of refused calls at most ${MAX_ANSWER_BYTES} bytes; largest replay-history entry of the fuzzing MCP sessions ${historyBytes} bytes`,
        writes.length === 0
          ? 'written by the refused requests: nothing (Redis keys and values, data dir files compared before and after; the fuzzing clients’ own MCP replay history aside)'
          : `WRITTEN by refused requests (${writes.length}): ${writes.slice(0, 5).join(', ')}`,
        ...(unknownSchemas.length
          ? [
              `not fuzzed (no contract schema here): ${unknownSchemas.map((t) => t.name).join(', ')}`,
            ]
          : []),
        `tools fuzzed: ${fuzzed.map((t) => t.name).join(', ')}; the other tenant's session and checkpoint come from a real turn (CLI stand-in)`,
      ],
    };
  } finally {
    await gateway?.stop();
    await worker?.stop();
    await footprintRedis.quit().catch(() => undefined);
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
