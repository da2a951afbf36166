import { z } from 'zod';

/** One session turn on the queue: deliver `message` to the session's CLI and stream the result. */
export const TurnJobSchema = z.object({
  sessionId: z.string().uuid(),
  tenant: z.string(),
  turn: z.number().int().min(1),
  message: z.string(),
});
export type TurnJob = z.infer<typeof TurnJobSchema>;

/** Deterministic job id, so enqueueing the same turn twice is harmless. */
export const turnJobId = (sessionId: string, turn: number) => `${sessionId}.${turn}`;

/** Messages on the control channel, for the worker that holds the named session's CLI process. */
export const ControlMessageSchema = z.object({
  sessionId: z.string().uuid(),
  // release: another worker has a turn for this session; hand it over when idle.
  // answered: a pending approval has its answer in Redis; deliver it to the CLI.
  action: z.enum(['interrupt', 'terminate', 'release', 'answered']),
  at: z.number().int(),
});
export type ControlMessage = z.infer<typeof ControlMessageSchema>;
export type ControlAction = ControlMessage['action'];
