import { AsyncResource } from 'node:async_hooks';
import {
  asCanUseToolRequest,
  asControlCancelRequest,
  ClaudeProcess,
  isResultMessage,
  isSystemInitMessage,
  type ClaudeExit,
  type ClaudeMessage,
  type ResultMessage,
} from '@app/claude';
import type { EventSink } from '@app/stream';
import type { PromptIo, SessionApprovals } from '../turn/session-approvals';
import { lineEvent } from '../turn/turn-events';

/** Makes the permission-prompt handler of a session whose CLI asks the host (`permissions: "ask"`). */
export type PromptsFactory = (io: PromptIo) => SessionApprovals;

/** The CLI stopped before the turn's `result`. */
export class CliExitedMidTurn extends Error {
  override readonly name = 'CliExitedMidTurn';
  constructor(readonly exit: ClaudeExit) {
    super(
      exit.reason === 'inactivity_timeout'
        ? 'the Claude CLI produced no output for too long and was stopped'
        : `the Claude CLI exited before finishing the turn (code ${exit.code}, signal ${exit.signal})` +
            (exit.limit ? `: ${exit.limit}` : ''),
    );
  }
}

interface PendingTurn {
  resolve(result: ResultMessage): void;
  reject(error: Error): void;
  watch?: TurnWatcher;
  /** Runs a callback in the turn's async context: its trace and log ids (see inTurnScope). */
  inTurn: (fn: () => void) => void;
}

const callNow = (fn: () => void) => fn();

/** Sees every CLI message of one turn as it arrives (a budget meters usage this way). */
export type TurnWatcher = (message: ClaudeMessage) => void;

const STDERR_BUDGET_PER_TURN = 64 * 1024;

/**
 * A session's live CLI process on this worker: one reader moves every stdout line to the
 * session's event sink (pausing the CLI while the sink is full) and ends turns on `result`.
 */
export class LiveSession {
  private turn = 0;
  private pending: PendingTurn | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private lastTotalCost = 0;
  private stderrBudget = STDERR_BUDGET_PER_TURN;
  claudeSessionId: string | undefined;
  readonly done: Promise<ClaudeExit>;
  private readonly approvals: SessionApprovals | undefined;

  constructor(
    readonly sessionId: string,
    readonly process: ClaudeProcess,
    private readonly sink: EventSink,
    prompts?: PromptsFactory,
  ) {
    this.approvals = prompts?.({
      answer: (requestId, answer) => this.process.answerPermission(requestId, answer),
      emit: (event) => void this.sink.push(event),
      hold: () => this.process.holdInactivityTimeout(),
      release: () => this.process.releaseInactivityTimeout(),
    });
    this.done = this.pump();
  }

  /** Delivers stored answers to waiting permission prompts (the gateway said one arrived). */
  checkApprovals(): Promise<void> {
    return this.approvals?.check() ?? Promise.resolve();
  }

  /** Sends a message and resolves with its `result`; turns of one session run one at a time. */
  runTurn(turn: number, message: string, watch?: TurnWatcher): Promise<ResultMessage> {
    const run = this.chain.then(() => this.deliver(turn, message, watch));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Stops the running turn (the CLI ends it with an error result); the process stays. */
  interrupt(): Promise<void> {
    return this.process.interrupt();
  }

  /** Resolves when every event of this session so far is in the stream. */
  flushEvents(): Promise<void> {
    return this.sink.flush();
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** The turn delivered last (the one running while busy). */
  get currentTurn(): number {
    return this.turn;
  }

  /**
   * Where the CLI's running total starts: a resumed (or forked) conversation carries on the
   * total of the transcript's last `cost-state` record, so the first turn's cost is the rest.
   */
  startCostAt(totalUsd: number): void {
    this.lastTotalCost = totalUsd;
  }

  /** This turn's cost: the CLI reports a running total per process. */
  costOf(result: ResultMessage): number {
    const total =
      typeof result.total_cost_usd === 'number' ? result.total_cost_usd : this.lastTotalCost;
    const delta = Math.max(0, total - this.lastTotalCost);
    this.lastTotalCost = total;
    return delta;
  }

  /** Stderr as events, bounded per turn so a chatty CLI cannot flood the stream. */
  stderr(text: string): void {
    if (this.stderrBudget <= 0) return;
    const kept = text.slice(0, this.stderrBudget);
    this.stderrBudget -= kept.length;
    this.sink.push({
      turn: this.turn,
      kind: 'stderr',
      data: { text: kept, truncated: kept.length < text.length },
    });
  }

  private async deliver(
    turn: number,
    message: string,
    watch?: TurnWatcher,
  ): Promise<ResultMessage> {
    if (!this.process.running) throw new CliExitedMidTurn(await this.process.exited);
    this.turn = turn;
    this.stderrBudget = STDERR_BUDGET_PER_TURN;
    // The reader below runs in the context the process was started in; what it does for this
    // turn (its budget, its permission prompts, its end) runs in this turn's.
    const inTurn = AsyncResource.bind(callNow);
    const result = new Promise<ResultMessage>(
      (resolve, reject) => (this.pending = { resolve, reject, watch, inTurn }),
    );
    await this.process.send(message);
    return result;
  }

  private async pump(): Promise<ClaudeExit> {
    for await (const line of this.process.lines()) {
      if (!this.sink.push(lineEvent(line, this.turn))) await this.sink.waitForCapacity();
      if (line.kind === 'message') {
        const { message } = line;
        (this.pending?.inTurn ?? callNow)(() => {
          this.pending?.watch?.(message);
          this.observe(message);
        });
      }
    }
    const exit = await this.process.exited;
    this.approvals?.dispose();
    this.settle((p) => p.reject(new CliExitedMidTurn(exit)));
    await this.sink.close().catch(() => undefined);
    return exit;
  }

  private observe(message: ClaudeMessage): void {
    if (isSystemInitMessage(message)) this.claudeSessionId = message.session_id;
    else if (message.type === 'result') {
      const result = message as ResultMessage;
      if (isResultMessage(message) && message.session_id) this.claudeSessionId = message.session_id;
      // Prompts still open are moot; their events come before the turn's end.
      const ended = this.approvals?.turnEnded() ?? Promise.resolve();
      this.settle((p) => void ended.then(() => p.resolve(result)));
    } else if (message.type === 'control_request') this.prompted(message);
    else if (message.type === 'control_cancel_request') {
      const cancel = asControlCancelRequest(message);
      if (cancel) void this.approvals?.cancelled(cancel.request_id);
    }
  }

  /** A permission prompt: to the client when the session asks; refused when it never should. */
  private prompted(message: ClaudeMessage): void {
    const request = asCanUseToolRequest(message);
    if (!request) return;
    if (this.approvals) void this.approvals.request(this.turn, request);
    else {
      void this.process
        .answerPermission(request.request_id, {
          behavior: 'deny',
          message: 'This session does not ask for permissions; the tool is not pre-approved.',
        })
        .catch(() => undefined);
    }
  }

  private settle(action: (pending: PendingTurn) => void): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) action(pending);
  }
}
