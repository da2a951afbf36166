import { z } from 'zod';

export const SESSION_STATUSES = [
  'queued',
  'running',
  'idle',
  'hibernated',
  'completed',
  'failed',
  'terminated',
] as const;
export const SessionStatusSchema = z.enum(SESSION_STATUSES);
export type SessionStatus = z.infer<typeof SessionStatusSchema>;
