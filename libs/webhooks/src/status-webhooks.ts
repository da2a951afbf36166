import { randomUUID } from 'node:crypto';
import type { EventKind, WebhookEventType, WebhookJob } from '@app/contracts';
import type { WebhookQueue } from './webhook-queue';
import type { WebhookTargets } from './webhook-targets';

/** An appended event as the observer sees it; `data` is parsed only for the kinds it wants. */
export interface ObservedEvent {
  turn: number;
  kind: EventKind;
  ts: number;
  data(): unknown;
}

/** What a status change needs to know about its session. */
export interface SessionFacts {
  tenant: string;
  lastError?: string;
}

export interface StatusWebhooksDeps {
  targets: Pick<WebhookTargets, 'of'>;
  queue: Pick<WebhookQueue, 'enqueue'>;
  /** The session's tenant and last error (the session record), or undefined when it is gone. */
  sessionFacts(sessionId: string): Promise<SessionFacts | undefined>;
  /** pino's shape: details first, then the message. */
  logger: { warn(details: Record<string, unknown>, message: string): void };
}

/** `status` events whose status a webhook can be told of (others, e.g. running, are not sent). */
const STATUSES = new Set(['idle', 'waiting', 'failed', 'terminated', 'recovered']);

/** The webhook type of an event, if it is a change webhooks report. */
function typeOf(kind: EventKind, data: () => unknown): WebhookEventType | undefined {
  if (kind === 'budget_exceeded') return 'session.budget_exceeded';
  if (kind !== 'status') return undefined;
  const status = (data() as { status?: unknown } | null)?.status;
  return typeof status === 'string' && STATUSES.has(status)
    ? (`session.${status}` as WebhookEventType)
    : undefined;
}

/**
 * Turns a session's status changes into webhook deliveries. It watches what is appended to the
 * session's event stream (StatusHookedEventLog), because every change a webhook reports is an
 * event there, written by whichever role made it (the worker: idle, waiting, failed, recovered,
 * budget_exceeded; the gateway: terminated), while the session record's transitions miss
 * `recovered` and budget stops and do not know the tenant. Watching the appends costs nothing for
 * other events and needs no stream follower. A job is queued only when the tenant's webhook wants
 * the change; a failure here is logged, never the append's.
 */
export class StatusWebhooks {
  constructor(private readonly deps: StatusWebhooksDeps) {}

  /**
   * Called after the events are in the stream. Appenders do not wait for it (the promise never
   * rejects: a failure is logged); tests await it.
   */
  observe(sessionId: string, events: readonly ObservedEvent[]): Promise<void> {
    const changes = events.flatMap((event) => {
      const type = typeOf(event.kind, event.data);
      return type ? [{ type, event }] : [];
    });
    if (changes.length === 0) return Promise.resolve();
    return this.enqueue(sessionId, changes).catch((error: unknown) =>
      this.deps.logger.warn(
        { sessionId, err: error instanceof Error ? error.message : String(error) },
        'webhook not queued',
      ),
    );
  }

  private async enqueue(
    sessionId: string,
    changes: ReadonlyArray<{ type: WebhookEventType; event: ObservedEvent }>,
  ): Promise<void> {
    const facts = await this.deps.sessionFacts(sessionId);
    if (!facts) return;
    const target = await this.deps.targets.of(facts.tenant);
    if (!target?.enabled) return;
    for (const { type, event } of changes) {
      if (!target.events.includes(type)) continue;
      await this.deps.queue.enqueue(jobOf(sessionId, facts, type, event));
    }
  }
}

function jobOf(
  sessionId: string,
  facts: SessionFacts,
  type: WebhookEventType,
  event: ObservedEvent,
): WebhookJob {
  const raw = event.data();
  const data: Record<string, unknown> =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw)
      ? { ...(raw as Record<string, unknown>) }
      : {};
  // Why it failed is on the record, not in the status event.
  if (type === 'session.failed' && facts.lastError && data.reason === undefined) {
    data.reason = facts.lastError;
  }
  return {
    deliveryId: `msg_${randomUUID().replace(/-/g, '')}`,
    tenant: facts.tenant,
    sessionId,
    turn: event.turn,
    type,
    at: event.ts,
    data,
  };
}
