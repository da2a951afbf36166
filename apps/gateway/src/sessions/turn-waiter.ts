import type { SessionEvent } from '@app/contracts';

/** What waiting for a turn found: its `result` line, and the status that closed the turn. */
export interface TurnEnd {
  status: 'idle' | 'failed' | 'terminated' | 'timeout';
  result?: Record<string, unknown>;
  error?: string;
}

/**
 * Follows one turn's events: the CLI's `result` line is kept, and the turn is over with the
 * worker's status event after it (idle once the checkpoint is stored, failed after a crash),
 * or with terminated. So a caller that sees the end sees a session that reads idle, and its
 * checkpoint.
 */
export class TurnWatch {
  private result: Record<string, unknown> | undefined;
  private error: string | undefined;

  constructor(private readonly turn: number) {}

  /** The turn's end, once this event closes it. */
  observe(event: SessionEvent): TurnEnd | undefined {
    const data = event.data as Record<string, unknown> | null;
    if (event.kind === 'status' && data?.status === 'terminated') return this.end('terminated');
    if (event.turn !== this.turn) return undefined;
    if (event.kind === 'claude' && data?.type === 'result') this.result = data;
    if (event.kind === 'error' && typeof data?.message === 'string') this.error = data.message;
    if (event.kind === 'status' && (data?.status === 'idle' || data?.status === 'failed')) {
      return this.end(data.status);
    }
    return undefined;
  }

  private end(status: TurnEnd['status']): TurnEnd {
    return { status, result: this.result, error: this.error };
  }
}
