import type { CheckpointManifest } from '@app/checkpoint';
import { InvalidRequest, type SessionEvent } from '@app/contracts';
import {
  SessionService,
  type CallContext,
} from '../../../apps/gateway/src/sessions/session.service';
import { TurnWaiter } from '../../../apps/gateway/src/sessions/turn-waiter';
import { memoryFleet } from './memory-fleet';

/**
 * The session tools' logic against in-memory repositories, with a worker (a real TurnRunner on
 * a scripted CLI) taking the queued turns: the whole orchestration in milliseconds.
 */
export function sessionSystem(options: { maxWaitMs?: number } = {}) {
  const { sessions, events, bus, queue, worker } = memoryFleet();
  const manifests = new Map<string, CheckpointManifest>();
  const seeded: unknown[] = [];
  const control = bus.endpoint();
  const service = new SessionService({
    sessions,
    checkpoints: {
      read: async (_tenant, id) => {
        const manifest = manifests.get(id);
        if (!manifest) throw new InvalidRequest(`checkpoint ${id} not found`);
        return manifest;
      },
    },
    queue,
    events,
    relay: events,
    control,
    waiter: new TurnWaiter(events, control, options.maxWaitMs ?? 10_000),
    seeder: {
      originOf: async (_tenant, seed) => {
        seeded.push(seed);
        return { seedTree: 'a'.repeat(64) };
      },
    },
  });
  const { runner, registry } = worker('w1');
  /** The worker takes the next queued turn; resolves with the scripted CLI, mid-turn. */
  const takeTurn = async () => {
    for (let i = 0; i < 1_000 && queue.waiting.length === 0; i++) await Promise.resolve();
    const job = queue.take();
    const outcome = runner.run(job);
    for (let i = 0; i < 1_000 && !registry.get(job.sessionId)?.busy; i++) await Promise.resolve();
    const cli = registry.get(job.sessionId);
    if (!cli) throw new Error('the turn did not start');
    return { job, cli, outcome };
  };
  return { service, sessions, events, queue, bus, manifests, seeded, takeTurn };
}

export function call(
  tenant = 'acme',
): CallContext & { progressed: SessionEvent[]; cancel(): void } {
  const controller = new AbortController();
  const progressed: SessionEvent[] = [];
  return {
    tenant,
    signal: controller.signal,
    progress: async (message) => void progressed.push(JSON.parse(message) as SessionEvent),
    progressed,
    cancel: () => controller.abort(),
  };
}
