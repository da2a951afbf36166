import type { NewSessionEvent, SessionEvent } from '@app/contracts';
import type { RedisClient } from '@app/redis';
import { SessionEventLog, type SessionEventLogOptions } from '@app/stream';
import type { WriterBatch } from '@app/stream/session-event-log';
import type { ObservedEvent, StatusWebhooks } from './status-webhooks';

/**
 * The session event log, telling StatusWebhooks what was appended once it is in Redis. Both ways
 * in are covered: `append` (status changes written by the turn runner and the gateway) and the
 * live writers' `appendBatches` (a prompt making the session wait). A batch the writer resends
 * after an unanswered call is seen once: only when the call that resolves.
 */
export class StatusHookedEventLog extends SessionEventLog {
  constructor(
    redis: RedisClient,
    options: SessionEventLogOptions,
    private readonly webhooks: Pick<StatusWebhooks, 'observe'>,
  ) {
    super(redis, options);
  }

  override async append(
    sessionId: string,
    events: readonly NewSessionEvent[],
  ): Promise<SessionEvent[]> {
    const appended = await super.append(sessionId, events);
    void this.webhooks.observe(
      sessionId,
      appended.map((e) => ({ turn: e.turn, kind: e.kind, ts: e.ts, data: () => e.data })),
    );
    return appended;
  }

  override async appendBatches(
    sessionId: string,
    mark: string,
    batches: readonly WriterBatch[],
  ): Promise<void> {
    await super.appendBatches(sessionId, mark, batches);
    // The hot path (every CLI line): only the rare kinds a webhook can be about go further.
    const events: ObservedEvent[] = [];
    for (const batch of batches) {
      for (const e of batch.events) {
        if (e.kind !== 'status' && e.kind !== 'budget_exceeded') continue;
        events.push({ turn: e.turn, kind: e.kind, ts: e.ts, data: () => JSON.parse(e.json) });
      }
    }
    if (events.length > 0) void this.webhooks.observe(sessionId, events);
  }
}
