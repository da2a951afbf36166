import type { EventKind, WebhookJob } from '@app/contracts';
import { StatusWebhooks, type ObservedEvent } from './status-webhooks';
import type { WebhookTarget } from './webhook-store';

const event = (kind: EventKind, data: unknown, turn = 1): ObservedEvent => ({
  turn,
  kind,
  ts: 1_765_000_000_000,
  data: () => data,
});

/** StatusWebhooks with in-memory parts: which appended events become which jobs. */
function harness(target: Partial<WebhookTarget> | undefined) {
  const jobs: WebhookJob[] = [];
  const webhooks = new StatusWebhooks({
    targets: {
      of: async () =>
        target && {
          webhookId: 'wh_1',
          url: 'https://example.com/h',
          secret: 'whsec_x',
          enabled: true,
          source: 'tenant',
          events: [
            'session.idle',
            'session.failed',
            'session.budget_exceeded',
            'session.recovered',
          ],
          ...target,
        },
    },
    queue: {
      enqueue: async (job) => {
        jobs.push(job);
      },
    },
    sessionFacts: async () => ({ tenant: 'acme', lastError: 'the CLI exited' }),
    logger: { warn: () => undefined },
  });
  return { webhooks, jobs };
}

describe('StatusWebhooks', () => {
  it('queues the subscribed changes of a batch, in order, with the reason of a failure', async () => {
    const { webhooks, jobs } = harness({});
    await webhooks.observe('s-1', [
      event('status', { status: 'running' }),
      event('claude', { type: 'assistant' }),
      event('budget_exceeded', { scope: 'session', budget: 'usd', limit: 1, used: 1.2 }),
      event('status', { status: 'idle' }),
      event('status', { status: 'waiting' }), // not subscribed here
      event('status', { status: 'failed' }, 2),
    ]);
    expect(jobs.map((j) => [j.type, j.turn])).toEqual([
      ['session.budget_exceeded', 1],
      ['session.idle', 1],
      ['session.failed', 2],
    ]);
    expect(jobs[2]).toMatchObject({
      tenant: 'acme',
      sessionId: 's-1',
      data: { status: 'failed', reason: 'the CLI exited' },
    });
    expect(new Set(jobs.map((j) => j.deliveryId)).size).toBe(3);
  });

  it.each([
    ['no webhook', undefined],
    ['a disabled webhook', { enabled: false }],
  ])('queues nothing for a tenant with %s', async (_, target) => {
    const { webhooks, jobs } = harness(target);
    await webhooks.observe('s-1', [event('status', { status: 'idle' })]);
    expect(jobs).toEqual([]);
  });
});
