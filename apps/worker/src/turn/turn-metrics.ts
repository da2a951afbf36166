import type { TurnEnd } from '@app/metrics';
import type { TurnOutcome } from '@app/queue';

/** Where a turn runner reports the turns it starts (WorkerMetrics in production). */
export interface TurnMeter {
  /** The turn's message went to its CLI; the answer is called once, when the turn ends. */
  turnStarted(tenant: string): (end: TurnEnd) => void;
}

/**
 * How a started turn ended, as csb_turns_total names it. An interrupt (the client's, or a
 * budget's) makes the CLI end the turn with an `error_during_execution` result; a turn whose
 * lease went to another worker is lost here (that worker runs it again).
 */
export function turnEndOf(outcome: TurnOutcome): TurnEnd {
  switch (outcome.kind) {
    case 'done':
      if (outcome.subtype === 'error_during_execution') return 'interrupted';
      return outcome.isError ? 'failed' : 'completed';
    case 'failed':
      return 'failed';
    case 'handback':
      return 'handed_back';
    default:
      return 'lost';
  }
}

/** Reports the outcome to the started turn's meter, and passes it on. */
export function metered(outcome: TurnOutcome, ended?: (end: TurnEnd) => void): TurnOutcome {
  ended?.(turnEndOf(outcome));
  return outcome;
}
