import { turnJobId, type TurnJob } from '@app/contracts';
import { withLogFields, withoutLogFields } from '@app/logging';
import type { TurnOutcome } from '@app/queue';
import { detached, inSpan, markFailed } from '@app/tracing';

/**
 * Runs a turn inside its scope: one `turn` span (a child of the queue's `process` span, so of
 * the client's call that queued it), and the turn's ids on every log line written meanwhile.
 */
export function inTurnScope(job: TurnJob, run: () => Promise<TurnOutcome>): Promise<TurnOutcome> {
  const jobId = turnJobId(job.sessionId, job.turn);
  const ids = { tenant: job.tenant, sessionId: job.sessionId, turn: job.turn, jobId };
  return withLogFields(ids, () =>
    inSpan(
      'turn',
      {
        attributes: {
          'csb.tenant': job.tenant,
          'csb.session_id': job.sessionId,
          'csb.turn': job.turn,
          'messaging.message.id': jobId,
        },
      },
      async (span) => {
        const outcome = await run();
        span.setAttribute('csb.turn.outcome', outcome.kind);
        if (outcome.kind === 'failed') markFailed(span, outcome.error);
        if (outcome.kind === 'done' && outcome.isError) markFailed(span, outcome.subtype);
        return outcome;
      },
    ),
  );
}

/**
 * Runs `start` outside the turn's trace and log scope: a CLI process started for this turn
 * serves the session's next turns too, and what it does then is theirs, not this one's.
 */
export function outsideTheTurn<T>(start: () => T): T {
  return withoutLogFields(() => detached(start));
}
