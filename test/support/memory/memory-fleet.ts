import pino, { type Logger } from 'pino';
import { TurnCheckpoints } from '../../../apps/worker/src/checkpoint/turn-checkpoints';
import { SessionHolds } from '../../../apps/worker/src/turn/session-holds';
import { TurnRunner } from '../../../apps/worker/src/turn/turn-runner';
import { MemoryApprovals } from './memory-approvals';
import { MemoryCheckpointer } from './memory-checkpointer';
import { MemoryControlBus } from './memory-control';
import { MemoryEventLog } from './memory-event-log';
import { MemoryLeaseTable } from './memory-leases';
import { MemorySessionStore } from './memory-session-store';
import { MemoryTurnQueue } from './memory-turn-queue';
import { ScriptedLiveSessions } from './scripted-cli';

/**
 * Workers on in-memory repositories sharing one session store, event log, lease table and
 * control bus: a fleet in one process, each worker a real TurnRunner over a scripted CLI.
 */
export function memoryFleet() {
  const sessions = new MemorySessionStore();
  const events = new MemoryEventLog();
  const leases = new MemoryLeaseTable();
  const bus = new MemoryControlBus();
  const approvals = new MemoryApprovals();
  /** The turns queued and not yet taken, which the workers consult for a session's order. */
  const queue = new MemoryTurnQueue();
  const worker = (id: string, logger: Logger = pino({ level: 'silent' })) => {
    const registry = new ScriptedLiveSessions(events);
    const checkpointer = new MemoryCheckpointer();
    const control = bus.endpoint();
    const checkpoints = new TurnCheckpoints({
      sessions,
      checkpointer,
      events,
      busy: (sessionId) => registry.get(sessionId)?.busy === true,
      logger,
      retryMinMs: 5,
      retryMaxMs: 20,
    });
    const holds = new SessionHolds({
      sessions,
      leases: leases.holder(id),
      control,
      events,
      checkpointer,
      checkpoints,
      registry,
      sessionIdleMs: 60_000,
      logger,
    });
    const runner = new TurnRunner({
      sessions,
      holds,
      events,
      checkpointer,
      approvals,
      checkpoints,
      registry,
      queue,
      workerId: id,
      logger,
    });
    control.handle((sessionId, action) => holds.control(sessionId, action));
    return { id, runner, holds, registry, checkpointer, checkpoints, logger };
  };
  return { sessions, events, leases, bus, approvals, queue, worker };
}

export type MemoryWorker = ReturnType<ReturnType<typeof memoryFleet>['worker']>;
