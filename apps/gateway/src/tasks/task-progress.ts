import { Logger } from '@nestjs/common';
import type { TaskStore } from './task-store';
import type { TurnPause } from '../mcp';
import { turnProgressOf, type TurnProgress } from './turn-progress';

/** A change to record: what the turn does, or which turn the call queued. */
type Change = TurnProgress | { kind: 'turn'; at: TurnPause };

/**
 * Records what a running task's turn is doing, from the events its waited call relays. Writes go
 * out one at a time, in order, off the relay's path; while one is under way, newer status
 * messages replace older ones still waiting (only the latest matters), status changes never.
 */
export class TaskProgress {
  private readonly log = new Logger('TaskProgress');
  private readonly queue: Change[] = [];
  private writing: Promise<void> | undefined;
  private lastMessage: string | undefined;

  private sessionId: string | undefined;
  private readonly askable: boolean;

  /**
   * `askable`: the client can answer the task's input requests (it declared form elicitation);
   * otherwise a prompt leaves the task working and its message names the session_respond call.
   */
  constructor(
    private readonly store: Pick<TaskStore, 'transition'>,
    private readonly taskId: string,
    options: { askable?: boolean; sessionId?: string } = {},
  ) {
    this.askable = options.askable ?? true;
    this.sessionId = options.sessionId;
  }

  /** Takes one relayed event (JSON text); never throws, never waits for Redis. */
  observe(eventJson: string): void {
    const progress = this.shown(turnProgressOf(eventJson));
    if (!progress) return;
    if (progress.kind === 'message' && progress.statusMessage === this.lastMessage) return;
    this.lastMessage = progress.statusMessage;
    const last = this.queue.at(-1);
    if (progress.kind === 'message' && last?.kind === 'message')
      this.queue[this.queue.length - 1] = progress;
    else this.queue.push(progress);
    this.writing ??= this.drain();
  }

  /**
   * Records the turn the task's call queued (and its session: session_start's is new), queued
   * before any prompt of the turn: by the time the task is input_required, tasks/update knows
   * which session to answer; if this gateway stops, another follows the turn on from `events`.
   */
  turn(at: TurnPause): void {
    this.sessionId = at.sessionId;
    this.queue.push({ kind: 'turn', at });
    this.writing ??= this.drain();
  }

  /** What a client that cannot answer input requests is shown instead: how to answer. */
  private shown(progress: TurnProgress | undefined): TurnProgress | undefined {
    if (this.askable || !progress) return progress;
    if (progress.kind === 'resumed')
      return { kind: 'message', statusMessage: progress.statusMessage };
    if (progress.kind !== 'input_required') return progress;
    const session = this.sessionId ?? '<sessionId: see session_list>';
    return {
      kind: 'message',
      statusMessage:
        `${progress.statusMessage}; answer with session_respond { sessionId: "${session}", ` +
        `requestId: "${progress.requestId}", decision }`,
    };
  }

  /** Resolves once every observed change is written (before the task's outcome is). */
  settled(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      await this.write(next).catch((error: unknown) =>
        this.log.warn(`task ${this.taskId}: could not record progress: ${String(error)}`),
      );
    }
    this.writing = undefined;
  }

  private async write(progress: Change): Promise<void> {
    if (progress.kind === 'turn') {
      const { sessionId, turn, events } = progress.at;
      await this.store.transition(this.taskId, undefined, {
        sessionId,
        turn: String(turn),
        cursor: events,
      });
      return;
    }
    const { statusMessage } = progress;
    if (progress.kind === 'message') {
      // While the task asks for input, its message says what it waits for.
      await this.store.transition(this.taskId, undefined, { statusMessage }, { from: ['working'] });
    } else if (progress.kind === 'input_required') {
      await this.store.transition(this.taskId, 'input_required', {
        statusMessage,
        inputRequests: JSON.stringify(progress.inputRequests),
      });
    } else {
      await this.store.transition(
        this.taskId,
        'working',
        { statusMessage, inputRequests: null },
        { from: ['input_required'] },
      );
    }
  }
}
