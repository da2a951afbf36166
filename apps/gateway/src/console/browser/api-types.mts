/**
 * The shapes /api/v1 answers with, inferred from the schemas the tools advertise (the single
 * source of truth): type-only imports, erased before the browser sees this module.
 */
import type { z } from 'zod';
import type { SessionEvent, SessionStartInput, SessionStatus } from '@app/contracts';
import type {
  SessionInterruptOutput,
  SessionListOutput,
  SessionRespondOutput,
  SessionSendOutput,
  SessionStartOutput,
  SessionStatusOutput,
} from '../../sessions/session.outputs.ts';
import type {
  CheckpointCreateOutput,
  CheckpointListOutput,
} from '../../checkpoints/checkpoint.outputs.ts';
import type {
  WorkspaceDiffOutput,
  WorkspaceListOutput,
  WorkspaceReadOutput,
} from '../../workspaces/workspace.outputs.ts';

export type { SessionEvent, SessionStatus };
/**
 * An operator key's list (ADMIN_API_KEYS) adds, beyond the tool's answer, each session's
 * `tenant` and the `tenants` it covers (the OpenAPI document says so).
 */
export type SessionSummary = z.infer<typeof SessionListOutput>['sessions'][number] & {
  tenant?: string;
};
export type SessionList = Omit<z.infer<typeof SessionListOutput>, 'sessions'> & {
  sessions: SessionSummary[];
  tenants?: string[];
};
export type SessionDetail = z.infer<typeof SessionStatusOutput>;
export type PendingRequest = NonNullable<SessionDetail['pending']>[number];
export type StartRequest = Omit<z.input<typeof SessionStartInput>, 'wait'>;
export type StartAnswer = z.infer<typeof SessionStartOutput>;
export type SendAnswer = z.infer<typeof SessionSendOutput>;
export type InterruptAnswer = z.infer<typeof SessionInterruptOutput>;
export type RespondAnswer = z.infer<typeof SessionRespondOutput>;
export type Decision = RespondAnswer['decision'];
export type CheckpointList = z.infer<typeof CheckpointListOutput>;
export type Checkpoint = CheckpointList['checkpoints'][number];
export type CheckpointCreated = z.infer<typeof CheckpointCreateOutput>;
export type WorkspaceTree = z.infer<typeof WorkspaceListOutput>;
export type WorkspaceEntry = WorkspaceTree['entries'][number];
export type WorkspaceFile = z.infer<typeof WorkspaceReadOutput>;
export type WorkspaceDiff = z.infer<typeof WorkspaceDiffOutput>;
export type WorkspaceSeed = NonNullable<StartRequest['workspace']>;

/** Statuses after which a session takes no more messages. */
export const CLOSED: readonly SessionStatus[] = ['terminated', 'completed'];
/** Statuses of a session with a turn queued or under way (what Interrupt stops). */
export const BUSY: readonly SessionStatus[] = ['queued', 'running', 'waiting'];
