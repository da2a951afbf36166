import type { SessionEvent } from '@app/contracts';

/** What waiting for a turn found: its `result` line, or the status that ended it without one. */
export interface TurnEnd {
  status: 'idle' | 'failed' | 'terminated' | 'timeout';
  result?: Record<string, unknown>;
  error?: string;
}

/**
 * Decides, event by event, whether `turn` has ended. A turn ends with the CLI's `result` line,
 * or with a failed / terminated status (a crash or a terminate leaves no result).
 */
export function turnEndOf(event: SessionEvent, turn: number): TurnEnd | undefined {
  if (event.turn !== turn && event.kind !== 'status') return undefined;
  const data = event.data as Record<string, unknown> | null;
  if (event.kind === 'claude' && data?.type === 'result') return { status: 'idle', result: data };
  if (event.kind === 'status' && (data?.status === 'failed' || data?.status === 'terminated')) {
    if (data.status === 'failed' && event.turn !== turn) return undefined;
    return { status: data.status, error: typeof data.error === 'string' ? data.error : undefined };
  }
  if (event.kind === 'error' && event.turn === turn) {
    return {
      status: 'failed',
      error: typeof data?.message === 'string' ? data.message : 'turn failed',
    };
  }
  return undefined;
}
