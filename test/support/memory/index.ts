/*
 * In-memory repositories for fast specs of the orchestration (TurnRunner, SessionService):
 * each implements the face its service uses of a real repository, which has its own spec
 * against the real system.
 */
export { MemoryCheckpointer } from './memory-checkpointer';
export { MemoryControl, MemoryControlBus } from './memory-control';
export { MemoryEventLog } from './memory-event-log';
export { memoryFleet, type MemoryWorker } from './memory-fleet';
export { MemoryLeaseTable } from './memory-leases';
export { MemorySessionStore } from './memory-session-store';
export { MemoryTurnQueue } from './memory-turn-queue';
export { resultLine, ScriptedLiveSessions, ScriptedSession, toolUseLine } from './scripted-cli';
export { MemoryApprovals } from './memory-approvals';
