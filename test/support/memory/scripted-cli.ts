import type { ClaudeExit, ResultMessage } from '@app/claude';
import type { SessionRecord } from '@app/contracts';
import { CliExitedMidTurn } from '../../../apps/worker/src/runtime/live-session';
import type {
  LiveSessions,
  LiveTurns,
  ResumePlan,
} from '../../../apps/worker/src/runtime/live-session-registry';
import type { MemoryEventLog } from './memory-event-log';

/** An `assistant` line that starts a tool, as the CLI prints it. */
export function toolUseLine(name: string): Record<string, unknown> {
  const block = { type: 'tool_use', id: `toolu_${name}`, name, input: {} };
  return { type: 'assistant', message: { role: 'assistant', content: [block] } };
}

/** A `result` line as the CLI prints it at the end of a turn. */
export function resultLine(overrides: Partial<ResultMessage> = {}): ResultMessage {
  return {
    type: 'result',
    subtype: 'success',
    is_error: false,
    session_id: 'claude-session-1',
    result: 'done',
    total_cost_usd: 0.01,
    usage: { input_tokens: 10, output_tokens: 5 },
    ...overrides,
  };
}

/**
 * One session's live CLI, scripted: a turn runs until the spec ends it (`finish`, `crash`) or an
 * interrupt or kill does, as the real process would. Lines it "prints" go to the event log as
 * `claude` events, as the real pump puts them there.
 */
export class ScriptedSession implements LiveTurns {
  claudeSessionId: string | undefined;
  readonly done: Promise<ClaudeExit>;
  /** Messages the turns delivered, in order. */
  readonly messages: string[] = [];
  private turn = 0;
  private lastCost = 0;
  private pending?: { resolve(r: ResultMessage): void; reject(e: Error): void };
  private exit!: (exit: ClaudeExit) => void;
  /** How the process ended, once it has: a turn delivered after that fails, as LiveSession's. */
  private ended?: ClaudeExit;

  constructor(
    readonly sessionId: string,
    readonly plan: ResumePlan,
    private readonly events: MemoryEventLog,
  ) {
    this.done = new Promise((resolve) => (this.exit = resolve));
    this.claudeSessionId = plan.forkSession ? undefined : plan.resume;
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  get currentTurn(): number {
    return this.turn;
  }

  runTurn(turn: number, message: string): Promise<ResultMessage> {
    if (this.ended) return Promise.reject(new CliExitedMidTurn(this.ended));
    this.turn = turn;
    this.messages.push(message);
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  /** The CLI prints a line mid-turn (an `assistant` line with a tool call, say). */
  async print(line: Record<string, unknown>): Promise<void> {
    await this.events.append(this.sessionId, [{ turn: this.turn, kind: 'claude', data: line }]);
  }

  /** Ends the running turn with its `result` line. */
  async finish(result: ResultMessage = resultLine()): Promise<void> {
    this.claudeSessionId = result.session_id;
    await this.events.append(this.sessionId, [{ turn: this.turn, kind: 'claude', data: result }]);
    this.settle((p) => p.resolve(result));
  }

  /** The process dies mid-turn. */
  crash(code = 1): void {
    this.end({ code, signal: null, reason: 'exited', stderr: 'boom', durationMs: 1 });
  }

  async interrupt(): Promise<void> {
    if (this.busy) {
      // As the real CLI (2.1.332) does: its own diagnostic is the only error it gives.
      await this.finish(
        resultLine({
          subtype: 'error_during_execution',
          is_error: true,
          result: undefined,
          errors: ['[ede_diagnostic] result_type=user last_content_type=n/a stop_reason=null'],
        }),
      );
    }
  }

  async flushEvents(): Promise<void> {}

  /** Approvals are specified on SessionApprovals itself; a scripted CLI never prompts. */
  async checkApprovals(): Promise<void> {}

  costOf(result: ResultMessage): number {
    const total = result.total_cost_usd ?? this.lastCost;
    const delta = Math.max(0, total - this.lastCost);
    this.lastCost = total;
    return delta;
  }

  end(exit: ClaudeExit): void {
    this.settle((p) => p.reject(new CliExitedMidTurn(exit)));
    this.ended ??= exit;
    this.exit(exit);
  }

  private settle(action: (p: NonNullable<ScriptedSession['pending']>) => void): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) action(pending);
  }
}

/** A worker's live CLI processes, scripted (the LiveSessionRegistry's face). */
export class ScriptedLiveSessions implements LiveSessions {
  private readonly live = new Map<string, ScriptedSession>();
  private readonly idle = new Map<string, () => void>();
  /** Every process started, in order (a restart shows up as a second entry). */
  readonly started: ScriptedSession[] = [];

  constructor(private readonly events: MemoryEventLog) {}

  get(sessionId: string): ScriptedSession | undefined {
    return this.live.get(sessionId);
  }

  async open(record: SessionRecord, plan: ResumePlan): Promise<ScriptedSession> {
    const session = new ScriptedSession(record.id, plan, this.events);
    this.live.set(record.id, session);
    this.started.push(session);
    return session;
  }

  async close(sessionId: string, mode: 'graceful' | 'kill'): Promise<void> {
    const session = this.live.get(sessionId);
    this.cancelIdle(sessionId);
    if (!session) return;
    this.live.delete(sessionId);
    const signal = mode === 'kill' ? 'SIGTERM' : null;
    session.end({ code: null, signal, reason: 'terminated', stderr: '', durationMs: 1 });
  }

  scheduleIdle(sessionId: string, _ms: number, onIdle: () => void): void {
    this.idle.set(sessionId, onIdle);
  }

  cancelIdle(sessionId: string): void {
    this.idle.delete(sessionId);
  }

  hasIdleTimer(sessionId: string): boolean {
    return this.idle.has(sessionId);
  }

  /** The idle timer fires now (no waiting in specs). */
  fireIdle(sessionId: string): void {
    const onIdle = this.idle.get(sessionId);
    this.idle.delete(sessionId);
    if (!onIdle) throw new Error(`no idle timer for session ${sessionId}`);
    onIdle();
  }
}
