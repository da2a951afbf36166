/**
 * Spend caps and usage accounting end to end, with the real CLI against the Messages API stub
 * (each scripted reply carries its usage; the CLI prices it and reports the cost): a turn that
 * crosses its session's budget is interrupted mid-turn, the next one is refused before it exists
 * until session_send raises the budget; a tenant's daily budget refuses new sessions; and
 * usage_report's sums equal the turns' result lines (the CLI's cost deltas), per session, per
 * tenant and over a window, across a hibernation (the resumed CLI carries its total on).
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { eventually } from '@app/testing/eventually';
import type { StubReply } from '@app/testing/messages-stub';
import {
  callTool,
  callToolAnswer,
  connectClient,
  startRealCliSystem,
  type RealCliSystem,
} from './support/system';

interface EventView {
  id: string;
  turn: number;
  kind: string;
  data: Record<string, unknown>;
}
interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}
interface Status {
  status: string;
  turns: number;
  usage: Usage;
  costUsd: number;
  stopReason?: string;
  lastError?: string;
  budgetUsd?: number;
  budgetTokens?: number;
}
interface Sums {
  turns: number;
  usage: Usage;
  costUsd: number;
}
interface Report {
  total: Sums;
  sessions: Array<{ sessionId: string } & Sums>;
  today: { spentUsd: number; budgetUsdPerDay: number | null };
}
interface ResultLine {
  total_cost_usd: number;
  usage: Usage;
  is_error: boolean;
  result?: string;
}

const STEP_USAGE = { input_tokens: 1000, output_tokens: 100 };

let world: RealCliSystem;
let acme: Client;
let globex: Client;

beforeAll(async () => {
  world = await startRealCliSystem('spend-caps', {
    TENANT_LIMITS: JSON.stringify({ globex: { budgetUsdPerDay: 0.01 } }),
    // Short, so that a session hibernates between turns and its next CLI resumes the transcript.
    SESSION_IDLE_MS: '1500',
  });
  acme = await connectClient(world.system.urls[0], 'acme');
  globex = await connectClient(world.system.urls[0], 'globex');
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([acme?.close(), globex?.close()]);
  await world?.close();
});

beforeEach(() => world.stub.reset());

/** One model call that runs a command: 1100 tokens, about $0.006 at the CLI's default model. */
const step = (n: number, extra: Partial<StubReply> = {}): StubReply => ({
  text: `Step ${n}: ${Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ')}`,
  toolUse: { name: 'Bash', input: { command: `echo step${n}`, description: `step ${n}` } },
  usage: STEP_USAGE,
  ...extra,
});

/** Several steps, the third streaming slowly: the cap is crossed while it streams. */
function scriptSteps(): void {
  world.stub.enqueue(step(1), step(2), step(3, { tokenDelayMs: 50 }), step(4), step(5), {
    text: 'All five steps done.',
  });
}

async function events(client: Client, sessionId: string): Promise<EventView[]> {
  const page = await callTool<{ events: EventView[] }>(client, 'session_events', {
    sessionId,
    limit: 1000,
  });
  return page.events;
}

const ofKind = (all: EventView[], kind: string) => all.filter((e) => e.kind === kind);

function resultLines(all: EventView[]): ResultLine[] {
  return all
    .filter((e) => e.kind === 'claude' && e.data.type === 'result')
    .map((e) => e.data as unknown as ResultLine);
}

const status = (client: Client, sessionId: string) =>
  callTool<Status>(client, 'session_status', { sessionId });

const tokensOf = (u: Usage) =>
  u.input_tokens + u.output_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;

const usd = (n: number) => `$${n.toFixed(6)}`;

/** Starts a session on the scripted steps and waits for the budget to stop its first turn. */
async function stoppedByBudget(budget: Record<string, number>) {
  scriptSteps();
  const started = await callToolAnswer<{ sessionId: string; status: string; errorCode?: string }>(
    acme,
    'session_start',
    { prompt: 'Run the five steps.', allowedTools: ['Bash'], ...budget, wait: true },
    { timeout: 120_000 },
  );
  const { sessionId } = started.structured;
  const all = await events(acme, sessionId);
  const [stop] = ofKind(all, 'budget_exceeded');
  return { started, sessionId, all, stop: stop?.data as Record<string, number | string> };
}

describe('a session budget', () => {
  it('interrupts the turn that crosses budgetTokens, refuses the next until session_send raises it', async () => {
    const BUDGET = 2500;
    const { started, sessionId, all, stop } = await stoppedByBudget({ budgetTokens: BUDGET });

    // Stopped mid-turn: the third call was under way, the fourth never asked for.
    expect(started.isError).toBe(true);
    expect(started.structured).toMatchObject({ status: 'idle', errorCode: 'budget_exceeded' });
    expect(started.text).toMatch(
      /^Turn 1 of session \S+ failed\. Turn 1 was stopped: the session has used \d+ tokens of its budgetTokens 2500: send the message with session_send \{ budgetTokens: <more than \d+> \}/,
    );
    expect(world.stub.conversationRequests()).toHaveLength(3);
    expect(world.stub.pendingReplies()).toBe(3);
    const [result] = resultLines(all);
    expect(result).toMatchObject({ is_error: true });
    expect(stop).toMatchObject({ scope: 'session', budget: 'tokens', limit: BUDGET });
    // Two whole calls (2200) and the third's start (1001 at least) when it was seen.
    expect(stop.detected).toBeGreaterThanOrEqual(3201);
    // The event comes after the result line and before the status that ends the turn.
    const order = all.map((e) => (e.kind === 'claude' ? String(e.data.type) : e.kind));
    expect(order.slice(order.indexOf('result'))).toEqual(
      expect.arrayContaining(['result', 'budget_exceeded', 'status']),
    );
    expect(order.lastIndexOf('budget_exceeded')).toBeLessThan(order.lastIndexOf('status'));

    const stopped = await status(acme, sessionId);
    expect(stopped).toMatchObject({
      turns: 1,
      stopReason: 'budget_exceeded',
      budgetTokens: BUDGET,
      lastError: expect.stringContaining('budgetTokens 2500'),
    });
    expect(['idle', 'hibernated']).toContain(stopped.status);
    // The session counts what the interrupted turn used (its result line reports no tokens).
    expect(tokensOf(stopped.usage)).toBe(stop.used);
    console.log(
      `budgetTokens ${BUDGET}: stopped at ${stop.used} tokens (seen at ${stop.detected}), ` +
        `overshoot ${Number(stop.used) - BUDGET} tokens; the turn cost ${usd(stopped.costUsd)}`,
    );

    // The next message is refused before anything of it exists.
    const refused = await callToolAnswer(acme, 'session_send', {
      sessionId,
      message: 'Go on.',
      wait: true,
    });
    expect(refused.isError).toBe(true);
    expect(refused.text).toBe(
      `Budget exceeded: the session has used ${stop.used} tokens of its budgetTokens ${BUDGET}: ` +
        `send the message with session_send { budgetTokens: <more than ${stop.used}> } to raise ` +
        'the budget and go on.',
    );
    const after = await status(acme, sessionId);
    expect(after).toMatchObject({ turns: 1, budgetTokens: BUDGET });
    expect(['idle', 'hibernated']).toContain(after.status);
    expect((await events(acme, sessionId)).length).toBe(all.length);

    // Raising the budget in the call runs the turn normally.
    world.stub.reset();
    world.stub.enqueue({ text: 'Carrying on from step 3.' });
    const raised = await callToolAnswer(acme, 'session_send', {
      sessionId,
      message: 'Go on.',
      budgetTokens: 1_000_000,
      wait: true,
    });
    expect(raised.isError).toBe(false);
    expect(raised.text).toMatch(/^Carrying on from step 3\.\n\n\[turn 2 of session \S+: idle/);
    const resumed = await status(acme, sessionId);
    expect(resumed).toMatchObject({ turns: 2, budgetTokens: 1_000_000 });
    expect(resumed.stopReason).toBeUndefined();
    expect(ofKind(await events(acme, sessionId), 'budget_exceeded')).toHaveLength(1);
  }, 180_000);

  it('interrupts the turn that crosses budgetUsd, and measures the overshoot in USD', async () => {
    const BUDGET = 0.015; // two calls cost $0.012, the third's input alone $0.004 more
    const { started, sessionId, all, stop } = await stoppedByBudget({ budgetUsd: BUDGET });
    expect(started.structured).toMatchObject({ status: 'idle', errorCode: 'budget_exceeded' });
    expect(stop).toMatchObject({ scope: 'session', budget: 'usd', limit: BUDGET });
    // `used` is the CLI's own figure in the end: its result line's total for this process.
    const [result] = resultLines(all);
    expect(Number(stop.used)).toBeCloseTo(result.total_cost_usd, 10);
    expect(Number(stop.used)).toBeGreaterThanOrEqual(BUDGET);
    const stopped = await status(acme, sessionId);
    expect(stopped).toMatchObject({ stopReason: 'budget_exceeded', turns: 1 });
    expect(stopped.costUsd).toBeCloseTo(result.total_cost_usd, 10);
    console.log(
      `budgetUsd ${usd(BUDGET)}: stopped at ${usd(Number(stop.used))} (estimated ` +
        `${usd(Number(stop.detected))} when seen), overshoot ${usd(Number(stop.used) - BUDGET)}; ` +
        `${tokensOf(stopped.usage)} tokens`,
    );
    const refused = await callToolAnswer(acme, 'session_send', { sessionId, message: 'More.' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toMatch(
      /^Budget exceeded: the session has cost \$0\.0\d+ of its budgetUsd \$0\.0150: send the message with session_send \{ budgetUsd: <more than 0\.0\d+> \} to raise the budget and go on\.$/,
    );
    expect((await status(acme, sessionId)).turns).toBe(1);
  }, 180_000);

  it('stops a long answer while it streams, not after it', async () => {
    const BUDGET = 300;
    const words = Array.from({ length: 600 }, (_, i) => `w${i}`).join(' ');
    // The API would report 1500 output tokens at the end; the meter counts them as they stream.
    world.stub.enqueue({
      text: words,
      usage: { input_tokens: 10, output_tokens: 1500 },
      tokenDelayMs: 5,
    });
    const started = await callToolAnswer<{ sessionId: string }>(
      acme,
      'session_start',
      { prompt: 'Write a lot.', budgetTokens: BUDGET, wait: true },
      { timeout: 120_000 },
    );
    const { sessionId } = started.structured;
    const all = await events(acme, sessionId);
    const stop = ofKind(all, 'budget_exceeded')[0]?.data as Record<string, number>;
    expect(stop).toMatchObject({ scope: 'session', budget: 'tokens', limit: BUDGET });
    expect(stop.detected).toBeLessThan(BUDGET + 10);
    const [result] = resultLines(all);
    expect(result).toMatchObject({ is_error: true });
    expect(result.result ?? '').not.toContain('w599');
    const stopped = await status(acme, sessionId);
    // What streamed before the stop is counted, though the cut call never reported it.
    expect(tokensOf(stopped.usage)).toBe(stop.used);
    expect(stop.used).toBeGreaterThanOrEqual(stop.detected);
    expect(stop.used).toBeLessThan(1510);
    console.log(
      `budgetTokens ${BUDGET}, one long answer: stopped at ${stop.used} tokens (seen at ` +
        `${stop.detected}), overshoot ${stop.used - BUDGET} tokens of the 1510 the call would ` +
        `have used; the turn cost ${usd(stopped.costUsd)}`,
    );
  }, 120_000);
});

describe('a tenant’s daily budget', () => {
  it('refuses a new session (and a new turn) once the tenant’s spend of the UTC day reaches it', async () => {
    // $0.004 in + $0.010 out: past globex's $0.01 a day (TENANT_LIMITS).
    world.stub.enqueue({
      text: 'An expensive answer.',
      usage: { input_tokens: 1000, output_tokens: 500 },
    });
    const first = await callToolAnswer<{ sessionId: string }>(globex, 'session_start', {
      prompt: 'Spend it.',
      wait: true,
    });
    const { sessionId } = first.structured;
    const spent = await callTool<Report>(globex, 'usage_report', {});
    expect(spent.today.budgetUsdPerDay).toBe(0.01);
    expect(spent.today.spentUsd).toBeGreaterThanOrEqual(0.01);
    const calls = world.stub.conversationRequests().length;

    const refused = await callToolAnswer(globex, 'session_start', {
      prompt: 'One more.',
      wait: true,
    });
    expect(refused.isError).toBe(true);
    const midnight = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(refused.text).toMatch(
      new RegExp(
        `^Budget exceeded: tenant globex has spent \\$0\\.0\\d+ today of its daily budget ` +
          `\\$0\\.0100 \\(budgetUsdPerDay, per UTC day\\): new turns are refused until the day ` +
          `ends at ${midnight}T00:00:00\\.000Z; the operator can raise it in TENANT_LIMITS\\.$`,
      ),
    );
    // Nothing was created: no second session, no request to the model.
    const listed = await callTool<{ sessions: Array<{ sessionId: string }> }>(
      globex,
      'session_list',
      {},
    );
    expect(listed.sessions.map((s) => s.sessionId)).toEqual([sessionId]);
    const more = await callToolAnswer(globex, 'session_send', { sessionId, message: 'Again.' });
    expect(more.isError).toBe(true);
    expect(more.text).toMatch(/^Budget exceeded: tenant globex has spent/);
    expect((await status(globex, sessionId)).turns).toBe(1);
    expect(world.stub.conversationRequests()).toHaveLength(calls);
    // Another tenant is not held back by it.
    world.stub.enqueue({ text: 'Fine.' });
    const other = await callToolAnswer(acme, 'session_start', { prompt: 'Hi.', wait: true });
    expect(other.isError).toBe(false);
  }, 120_000);
});

describe('usage_report', () => {
  it('sums the turns’ result lines per session and per tenant, over any window', async () => {
    const from = Date.now();
    const ask = async (client: Client, args: Record<string, unknown>) =>
      callTool<Report>(client, 'usage_report', args);

    world.stub.enqueue({ text: 'One.', usage: { input_tokens: 1200, output_tokens: 80 } });
    const s1 = (
      await callTool<{ sessionId: string }>(acme, 'session_start', { prompt: 'one', wait: true })
    ).sessionId;
    // The session hibernates: its next turn runs in a new CLI that resumes the transcript.
    await eventually(
      'the session to hibernate',
      async () => (await status(acme, s1)).status === 'hibernated',
      30_000,
    );
    const mid = Date.now() + 1;
    await eventually('a later millisecond', async () => Date.now() > mid);
    world.stub.enqueue({ text: 'Two.', usage: { input_tokens: 800, output_tokens: 40 } });
    await callTool(acme, 'session_send', { sessionId: s1, message: 'two', wait: true });
    world.stub.enqueue({ text: 'Three.', usage: { input_tokens: 500, output_tokens: 20 } });
    const s2 = (
      await callTool<{ sessionId: string }>(acme, 'session_start', { prompt: 'three', wait: true })
    ).sessionId;

    const [r1, r2] = resultLines(await events(acme, s1));
    const [r3] = resultLines(await events(acme, s2));
    // The resumed CLI reports the conversation's running total, the first process's included.
    expect(r2.total_cost_usd).toBeGreaterThan(r1.total_cost_usd);
    const turnCosts = [r1.total_cost_usd, r2.total_cost_usd - r1.total_cost_usd, r3.total_cost_usd];
    const sum = (lines: ResultLine[], costs: number[]): Sums => ({
      turns: lines.length,
      costUsd: costs.reduce((a, b) => a + b, 0),
      usage: {
        input_tokens: lines.reduce((a, l) => a + l.usage.input_tokens, 0),
        output_tokens: lines.reduce((a, l) => a + l.usage.output_tokens, 0),
        cache_creation_input_tokens: lines.reduce(
          (a, l) => a + l.usage.cache_creation_input_tokens,
          0,
        ),
        cache_read_input_tokens: lines.reduce((a, l) => a + l.usage.cache_read_input_tokens, 0),
      },
    });
    const expectSums = (got: Sums | undefined, want: Sums) => {
      expect(got).toMatchObject({ turns: want.turns, usage: want.usage });
      expect(got?.costUsd).toBeCloseTo(want.costUsd, 10);
    };

    const all = await ask(acme, { from });
    expectSums(all.total, sum([r1, r2, r3], turnCosts));
    expectSums(
      all.sessions.find((s) => s.sessionId === s1),
      sum([r1, r2], turnCosts.slice(0, 2)),
    );
    expectSums(
      all.sessions.find((s) => s.sessionId === s2),
      sum([r3], turnCosts.slice(2)),
    );
    expect(all.sessions).toHaveLength(2);
    // session_status agrees with the report.
    expect((await status(acme, s1)).costUsd).toBeCloseTo(turnCosts[0] + turnCosts[1], 10);

    // A window that starts after the first turn leaves it out (epoch ms or ISO alike).
    const later = await ask(acme, { from: new Date(mid).toISOString(), to: Date.now() + 1 });
    expectSums(later.total, sum([r2, r3], turnCosts.slice(1)));
    expectSums(
      later.sessions.find((s) => s.sessionId === s1),
      sum([r2], [turnCosts[1]]),
    );
    const one = await ask(acme, { sessionId: s2 });
    expect(one.sessions.map((s) => s.sessionId)).toEqual([s2]);
    expectSums(one.total, sum([r3], [turnCosts[2]]));

    // Another tenant sees none of it, and cannot name the session.
    const theirs = await ask(globex, { from });
    expect(theirs.sessions.map((s) => s.sessionId)).not.toEqual(expect.arrayContaining([s1]));
    const foreign = await callToolAnswer(globex, 'usage_report', { sessionId: s1 });
    expect(foreign).toMatchObject({ isError: true, text: `session ${s1} not found` });
  }, 180_000);
});
