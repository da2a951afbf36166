/**
 * The load of the scale part: N sessions each streaming turns back to back (the stand-in's
 * `long_text` recording at a given pace), their turn boundaries spread evenly over one turn as
 * independent sessions' are; measured over a window in which every session streams. Two paths:
 * through the system (one MCP client per session, waited session_send calls whose progress
 * notifications carry the stamped lines) and the baseline (the same stand-ins read directly by
 * this process with the same parser: no queue, no Redis, no MCP).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCliArgs, parseJsonl, type ParsedLine } from '@app/claude';
import { nowMs, summarizeLatency, type LatencySummary } from './latency';
import { RawMcpClient } from './raw-mcp-client';
import { SampleLog } from './sample-log';
import { cpuSnapshot, cpuSpent, type CpuGroup, type CpuSpent } from './stream-cpu';

/** Lines of one `long_text` turn (100 text deltas among them), each stamped by the stand-in. */
export const LINES_PER_TURN = 109;
export const WARM_UP = '[[standin recording=text]] warm up';
const promptAt = (rate: number) =>
  `[[standin recording=long_text pace_ms=${Math.round(1000 / rate)}]] go`;

export interface StepPlan {
  sessions: number;
  /** Lines per second per session. */
  rate: number;
  /** Length of the measured window. */
  windowMs: number;
}

/** What one path delivered in the window. */
export interface StepRun {
  latency: LatencySummary;
  /** Lines the stand-ins wrote in the window (and were delivered), per second. */
  sentPerS: number;
  /** Lines delivered (received in the window), per second. */
  deliveredPerS: number;
  /** From a turn's request (the MCP call, or the stdin write) to its first line, in the window. */
  turnStart: LatencySummary;
  windowS: number;
  cpu: CpuSpent;
  turns: number;
  errors: number;
  /** Turns that ended well with fewer (or more) stamped lines than the recording has. */
  lineMismatches: number;
  errorSamples: string[];
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const STAMP = /"standin_sent_at\\?":(\d+(?:\.\d+)?)/;

/** ms a turn streams at `rate` lines/s. */
export const turnMs = (rate: number) => (LINES_PER_TURN * 1000) / rate;

/**
 * Runs `turn(i)` back to back for every session until `keepGoing()` is false, session i first
 * after i/N of a turn; samples sent in [w0, w1] count, CPU is read at both ends. `atWindowEnd`
 * runs once the window has closed (while the sessions still stream) and `keepGoing` may wait
 * for it.
 */
class Stepper {
  readonly samples: SampleLog;
  readonly w0: number;
  readonly w1: number;
  private readonly t0: number;
  delivered = 0;
  private readonly turnStarts: number[] = [];
  turns = 0;
  errors = 0;
  lineMismatches = 0;
  readonly errorSamples: string[] = [];

  constructor(readonly plan: StepPlan) {
    const span = turnMs(plan.rate);
    this.t0 = Date.now() + 200;
    this.w0 = this.t0 + span + 1_000;
    this.w1 = this.w0 + plan.windowMs;
    const lines = (plan.sessions * plan.rate * (plan.windowMs + 3 * span)) / 1000;
    this.samples = new SampleLog(Math.ceil(lines * 1.2));
  }

  /** Records a line received now that the stand-in stamped `sentAt`. */
  line(sentAt: number, session: number): void {
    const received = nowMs();
    this.samples.push(sentAt, received - sentAt, session);
    if (received >= this.w0 && received <= this.w1) this.delivered += 1;
  }

  /** A turn asked for at `askedAt` got its first line now. */
  firstLine(askedAt: number): void {
    if (askedAt >= this.w0 && askedAt <= this.w1) this.turnStarts.push(nowMs() - askedAt);
  }

  failed(error: unknown): void {
    this.errors += 1;
    if (this.errorSamples.length < 5) this.errorSamples.push(String(error).slice(0, 300));
  }

  turnEnded(lines: number): void {
    this.turns += 1;
    if (lines !== LINES_PER_TURN) this.lineMismatches += 1;
  }

  async run(
    cpuGroups: readonly CpuGroup[],
    turn: (i: number) => Promise<void>,
    keepGoing: () => boolean,
  ): Promise<StepRun> {
    const { sessions, rate } = this.plan;
    let cpu: CpuSpent | undefined;
    const measuring = (async () => {
      await delay(this.w0 - Date.now());
      const before = cpuSnapshot(cpuGroups);
      await delay(this.w1 - Date.now());
      cpu = cpuSpent(before, cpuSnapshot(cpuGroups));
    })();
    await Promise.all(
      Array.from({ length: sessions }, async (_, i) => {
        await delay(this.t0 + (i * turnMs(rate)) / sessions - Date.now());
        while (keepGoing()) await turn(i);
      }),
    );
    await measuring;
    const sent = this.samples.latencies(this.w0, this.w1);
    return {
      latency: summarizeLatency(sent),
      sentPerS: sent.length / (this.plan.windowMs / 1000),
      deliveredPerS: this.delivered / (this.plan.windowMs / 1000),
      turnStart: summarizeLatency(this.turnStarts),
      windowS: this.plan.windowMs / 1000,
      cpu: cpu as CpuSpent,
      turns: this.turns,
      errors: this.errors,
      lineMismatches: this.lineMismatches,
      errorSamples: this.errorSamples,
    };
  }
}

/** N sessions through MCP: one client each, on the gateways in turn. */
export class SystemSessions {
  private constructor(
    private readonly clients: RawMcpClient[],
    readonly ids: string[],
    /** Failed session starts. */
    readonly startErrors: number,
  ) {}

  /** Connects a client per session and starts each session with a short warm-up turn. */
  static async start(urls: readonly URL[], key: string, count: number): Promise<SystemSessions> {
    const clients = Array.from(
      { length: count },
      (_, i) => new RawMcpClient(urls[i % urls.length], key),
    );
    const ids: string[] = new Array<string>(count);
    let next = 0;
    let errors = 0;
    // 32 at a time: 1,000 session starts at once would measure a burst, not the sessions.
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let i = next++; i < count; i = next++) {
          try {
            await clients[i].connect();
            const started = await clients[i].callTool('session_start', {
              prompt: WARM_UP,
              wait: true,
            });
            ids[i] = String(started.sessionId);
          } catch {
            errors += 1;
          }
        }
      }),
    );
    if (errors) throw new Error(`${errors} of ${count} sessions failed to start`);
    return new SystemSessions(clients, ids, errors);
  }

  /**
   * Streams turns until the window has closed and `atWindowEnd` (e.g. a memory probe of the
   * fleet mid-stream) has run; the turns running then finish.
   */
  async stream(
    plan: StepPlan,
    cpuGroups: readonly CpuGroup[],
    atWindowEnd: () => Promise<void>,
  ): Promise<StepRun> {
    const stepper = new Stepper(plan);
    const prompt = promptAt(plan.rate);
    let going = true;
    const probing = (async () => {
      await delay(stepper.w1 + 2_000 - Date.now());
      await atWindowEnd();
      going = false;
    })();
    const run = await stepper.run(
      cpuGroups,
      async (i) => {
        let lines = 0;
        const askedAt = nowMs();
        try {
          const answer = await this.clients[i].callTool(
            'session_send',
            { sessionId: this.ids[i], message: prompt, wait: true },
            (notification) => {
              const stamp = STAMP.exec(notification);
              if (!stamp) return;
              if (lines++ === 0) stepper.firstLine(askedAt);
              stepper.line(Number(stamp[1]), i);
            },
          );
          if (answer.status !== 'idle') stepper.failed(`turn ended ${String(answer.status)}`);
          else stepper.turnEnded(lines);
        } catch (error) {
          stepper.failed(error);
          await delay(1_000);
        }
      },
      () => going,
    );
    await probing;
    return run;
  }

  /** Ends the clients' MCP sessions (the Claude sessions stay, idle, then hibernated). */
  async close(): Promise<void> {
    await Promise.allSettled(this.clients.map((c) => c.close()));
  }
}

/** The baseline: N stand-in processes read directly, with the same warm-up turn and turns. */
export async function directStep(
  standin: string,
  plan: StepPlan,
  cpuGroups: readonly CpuGroup[],
): Promise<StepRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-direct-'));
  const procs = Array.from({ length: plan.sessions }, (_, i) => new DirectCli(standin, dir, i));
  const standins: CpuGroup = {
    name: 'cli-standin',
    pids: () => procs.map((p) => p.child.pid ?? 0),
  };
  try {
    await Promise.all(procs.map((p) => p.turn(WARM_UP)));
    const stepper = new Stepper(plan);
    const prompt = promptAt(plan.rate);
    return await stepper.run(
      [...cpuGroups, standins],
      async (i) => {
        const askedAt = nowMs();
        let lines = 0;
        const written = await procs[i].turn(prompt, (at) => {
          if (lines++ === 0) stepper.firstLine(askedAt);
          stepper.line(at, i);
        });
        stepper.turnEnded(written);
      },
      () => Date.now() < stepper.w1,
    );
  } finally {
    for (const p of procs) p.child.stdin.end();
    await Promise.all(procs.map((p) => p.exited));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One stand-in process as the worker would run it, read by this process. */
class DirectCli {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<void>;
  private readonly lines: AsyncIterator<ParsedLine>;

  constructor(standin: string, dir: string, i: number) {
    const home = join(dir, `s${i}`);
    this.child = spawn(standin, buildCliArgs({ includePartialMessages: true }), {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        CLAUDE_CONFIG_DIR: home,
        CLI_STANDIN_STAMP: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr.resume();
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.lines = parseJsonl(this.child.stdout)[Symbol.asyncIterator]();
  }

  /** Sends a user message; resolves with the stamped lines of the turn, each given to onLine. */
  async turn(text: string, onLine?: (sentAt: number) => void): Promise<number> {
    const message = { type: 'user', message: { role: 'user', content: text } };
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
    let lines = 0;
    for (;;) {
      const next = await this.lines.next();
      if (next.done) throw new Error('CLI stand-in exited early');
      if (next.value.kind !== 'message') continue;
      const sentAt = (next.value.message as { standin_sent_at?: unknown }).standin_sent_at;
      if (typeof sentAt === 'number') {
        lines += 1;
        onLine?.(sentAt);
      }
      if (next.value.message.type === 'result') return lines;
    }
  }
}
