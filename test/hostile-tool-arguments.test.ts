/**
 * Hostile tool arguments (issue 13, item 7), property-based: every tool the gateway serves
 * (tools/list) gets fast-check-generated arguments that are wrong in one way each (see
 * test/support/hostile-arguments.ts for the categories), over real HTTP into a real gateway and
 * worker on a real Redis. Each case must get a clean answer (a tool error naming the problem, a
 * JSON-RPC error, 413 past the body limit, "not found" for ids the caller does not own, with
 * the same text as for an unknown id) within BOUND_MS; afterwards the process is up, its RSS grew
 * less than RSS_GROWTH_BOUND_MIB, and nothing was written: no Redis key added or changed (no
 * session record, queued job, event or lease), no file in the data dir (no checkpoint object).
 *
 * HOSTILE_SEED=<n> replays a run (the seed is printed on failure); HOSTILE_RUNS=<factor> scales
 * the number of cases.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { createRedisConnection } from '@app/redis';
import { MCP_TOOLSET, type ToolDefinition } from '../apps/gateway/src/mcp';
import {
  bodyOf,
  expectedAnswer,
  leak,
  MAX_ANSWER_BYTES,
  mismatch,
  TOOL_CATEGORIES,
  toolCases,
  type FuzzTarget,
  type ToolCase,
  type ToolCategory,
  type ToolSchemas,
} from './support/hostile-arguments';
import { RawMcp, type Answer } from './support/hostile-http';
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
import {
  callTool,
  connectClient,
  startRealCliSystem,
  TENANT_KEYS,
  type RealCliSystem,
} from './support/system';

/** Longest any one case may take to be answered (send start to the answer's last byte). */
const BOUND_MS = 2_000;
/** Largest growth of the gateway process's RSS over the whole run (from its RSS when idle). */
const RSS_GROWTH_BOUND_MIB = 200;

const SEED = Number(process.env.HOSTILE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SCALE = Number(process.env.HOSTILE_RUNS ?? 1);
const RUNS: Record<ToolCategory, number> = {
  'wrong-types': 120,
  'huge-strings': 12,
  'unknown-fields': 100,
  'odd-unicode': 120,
  'path-like-ids': 100,
  'odd-numbers': 100,
  'deep-objects': 50,
  'tool-names': 60,
  'foreign-ids': 60,
};

let world: RealCliSystem;
let gateway: GatewayProcess;
let globex: Client;
let acmeSdk: Client;
let acme: RawMcp;
let acmeSdkSession: string | undefined;
let target: FuzzTarget;
let schemas: ToolSchemas;
let redis: Redis;
let scope: FootprintScope;

beforeAll(async () => {
  // No hibernation during the run (it would change the other tenant's record); no sandbox: what
  // is under test is the gateway, and the CLI only has to give the other tenant a real session.
  world = await startRealCliSystem('hostile-args', { SESSION_IDLE_MS: '600000', SANDBOX: 'none' });
  // The gateway under fuzz runs as its own process: its memory is its own, its exit a fact.
  gateway = await startGatewayProcess(world);
  const url = gateway.url;
  // The other tenant's session and checkpoint: real ids the fuzzed tenant must never reach.
  globex = await connectClient(url, 'globex');
  const started = await callTool<{ sessionId: string; status: string }>(globex, 'session_start', {
    prompt: 'Say hello.',
    wait: true,
  });
  expect(started.status).toBe('idle');
  const { sessionId } = started;
  const { checkpointId } = await callTool<{ checkpointId: string }>(globex, 'checkpoint_create', {
    sessionId,
    label: 'theirs',
  });
  const { createdAt } = await callTool<{ createdAt: string }>(globex, 'session_status', {
    sessionId,
  });
  const member = `${String(Date.parse(createdAt)).padStart(15, '0')}:${sessionId}`;
  acme = new RawMcp(url, TENANT_KEYS.acme);
  await acme.initialize();
  acmeSdk = await connectClient(url, 'acme');
  acmeSdkSession = (acmeSdk.transport as StreamableHTTPClientTransport).sessionId;
  target = {
    tools: await acme.listTools(),
    foreign: { sessionId, checkpointId, listCursor: Buffer.from(member).toString('base64url') },
  };
  const toolset = world.system.gateways[0].get<ToolDefinition[]>(MCP_TOOLSET, { strict: false });
  schemas = new Map(toolset.map((t) => [t.name, t.input]));
  redis = createRedisConnection(world.redis.url, { name: 'hostile-footprint' });
  scope = { redis, match: `*${world.redis.namespace}*`, dirs: [world.system.dataDir] };
}, 120_000);

afterAll(async () => {
  acme?.close();
  await Promise.allSettled([globex?.close(), acmeSdk?.close(), redis?.quit()]);
  await gateway?.stop();
  await world?.close();
});

interface Tally {
  cases: number;
  errors: number;
  slowestMs: number;
  /** Largest answer body: an error should not echo a multi-megabyte input back. */
  largestAnswerBytes: number;
}

describe('hostile tool arguments', () => {
  it('gives every case of every tool a clean answer within the bound, writes nothing and stays up', async () => {
    expect(target.tools.length).toBeGreaterThanOrEqual(12);
    const before = await takeFootprint(scope);
    const rss = new RssSampler(() => gateway.rssMiB());
    const tallies = new Map<ToolCategory, Tally>();
    const failures: string[] = [];
    try {
      for (const [i, category] of TOOL_CATEGORIES.entries()) {
        const tally: Tally = { cases: 0, errors: 0, slowestMs: 0, largestAnswerBytes: 0 };
        tallies.set(category, tally);
        await fc.assert(
          fc.asyncProperty(
            toolCases(category, target).filter((c) => expected(c) !== undefined),
            fc.boolean(),
            async (c, stateful) => {
              const answer = await send(c, stateful);
              tally.cases++;
              tally.slowestMs = Math.max(tally.slowestMs, answer.ms);
              tally.largestAnswerBytes = Math.max(tally.largestAnswerBytes, answer.bytes);
              if (answer.kind !== 'ok') tally.errors++;
              const wrong =
                mismatch(answer, expected(c)!, BOUND_MS) ?? leak(answer, c, target.foreign);
              if (wrong) throw new Error(`${c.tool} (${c.what}): ${wrong}`);
              if (c.twin) await sameAsUnknownId(c, answer, stateful);
            },
          ),
          {
            seed: SEED + i,
            numRuns: Math.max(1, Math.round(RUNS[category] * SCALE)),
            includeErrorInReport: true,
          },
        );
      }
    } catch (error) {
      failures.push(`${String(error)}\nreplay with HOSTILE_SEED=${SEED}`);
    }
    const memory = rss.stop();
    report(tallies, memory);
    expect(failures).toEqual([]);
    expect(gateway.alive()).toBe(true);
    expect(memory.peakMiB - memory.baselineMiB).toBeLessThan(RSS_GROWTH_BOUND_MIB);
    await expectNothingWritten(before);
    // Still up and serving: a read of the fuzzed tenant's own (empty) session list.
    const list = await callTool<{ sessions: unknown[] }>(acmeSdk, 'session_list', {});
    expect(list.sessions).toEqual([]);
  });

  it("answers the other tenant's ids through the SDK's own client exactly as unknown ones", async () => {
    const before = await takeFootprint(scope);
    const cases = fc.sample(toolCases('foreign-ids', target), { seed: SEED, numRuns: 20 });
    for (const c of cases) {
      const theirs = await acmeSdk.callTool({ name: c.tool, arguments: JSON.parse(c.args) });
      const unknown = await acmeSdk.callTool({ name: c.tool, arguments: JSON.parse(c.twin!.args) });
      if (c.tool === 'session_list') {
        expect(theirs.structuredContent).toEqual({ sessions: [] });
        continue;
      }
      expect(theirs.isError).toBe(true);
      expect(normalise(textOf(theirs), c)).toBe(normalise(textOf(unknown), c));
    }
    await expectNothingWritten(before);
  });
});

function expected(c: ToolCase) {
  return expectedAnswer(c, schemas, target.tools);
}

let nextId = 1;

function send(c: ToolCase, stateful: boolean, args = c.args): Promise<Answer> {
  return acme.post(bodyOf(c, nextId++, args), { stateful, timeoutMs: BOUND_MS + 3_000 });
}

/** A foreign id must answer exactly like an unknown one (only the id itself differs). */
async function sameAsUnknownId(c: ToolCase, answer: Answer, stateful: boolean): Promise<void> {
  const twin = await send(c, stateful, c.twin!.args);
  if (
    answer.kind !== twin.kind ||
    normalise(answer.text ?? '', c) !== normalise(twin.text ?? '', c)
  ) {
    throw new Error(
      `${c.tool}: another tenant's id answered ${JSON.stringify(answer.text)}, an unknown one ${JSON.stringify(twin.text)}`,
    );
  }
}

/** The text with every id of the case (foreign and its unknown twin) replaced by a placeholder. */
function normalise(text: string, c: ToolCase): string {
  return c.twin!.swaps.reduce((t, [a, b]) => t.split(a).join('<id>').split(b).join('<id>'), text);
}

function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  return (result.content as Array<{ text?: string }>).map((b) => b.text ?? '').join(' ');
}

/**
 * No key added, removed or changed under the test's Redis namespace and no file in the data dir,
 * except the fuzzing client's own MCP replay history (every answer on a stateful MCP session is
 * kept for Last-Event-ID resumption, valid or not; it expires with the stream), whose entries
 * must stay small: an answer never carries the input back.
 */
async function expectNothingWritten(before: Footprint): Promise<void> {
  const own = [acme.session, acmeSdkSession].map((id) => `:mcp:{${id}}:sse:`);
  const after = await takeFootprint(scope);
  const history = [...after.keys.keys()].filter((key) => own.some((h) => key.includes(h)));
  // The largest legitimate answer kept there is tools/list itself (schemas and descriptions of
  // every tool); each fuzzed answer is held to MAX_ANSWER_BYTES on its own (mismatch()).
  const listingBytes = Buffer.byteLength(JSON.stringify(target.tools));
  const bound = Math.max(2 * MAX_ANSWER_BYTES, Math.ceil(1.25 * listingBytes));
  expect(await largestKeyBytes(redis, history)).toBeLessThan(bound);
  const changes = footprintChanges(
    before,
    after,
    (name) => own.some((history) => name.includes(history)) || changesOnItsOwn(name),
  );
  expect(changes).toEqual([]);
}

function report(tallies: Map<ToolCategory, Tally>, memory: ReturnType<RssSampler['stop']>): void {
  if (!process.env.HOSTILE_VERBOSE) return;
  const rows = [...tallies].map(([category, t]) => ({ category, ...t }));
  console.log(
    `seed ${SEED}\n${JSON.stringify(rows, null, 1)}\nRSS ${memory.baselineMiB.toFixed(0)} → peak ${memory.peakMiB.toFixed(0)} → end ${memory.endMiB.toFixed(0)} MiB`,
  );
}
