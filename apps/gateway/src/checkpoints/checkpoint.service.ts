import { InvalidRequest } from '@app/contracts';
import type { CheckpointStore } from '@app/checkpoint';
import type { SessionStore } from '@app/sessions';

/** How long checkpoint_create waits for a running turn to end before it says so. */
const RUNNING_TURN_WAIT_MS = 60_000;
const POLL_MS = 100;

/**
 * Checkpoint tools, answered from the object store by any gateway: a checkpoint is taken
 * automatically after every turn, so a labelled checkpoint is that one under a new name.
 */
export class CheckpointService {
  constructor(
    private readonly sessions: SessionStore,
    private readonly checkpoints: CheckpointStore,
  ) {}

  async create(tenant: string, sessionId: string, label: string | undefined, signal: AbortSignal) {
    const record = await this.settled(tenant, sessionId, signal);
    if (!record.lastCheckpointId) {
      throw new InvalidRequest(
        `session ${sessionId} has no completed turn to checkpoint yet; send it a message first`,
      );
    }
    const created = await this.checkpoints.label(tenant, record.lastCheckpointId, label);
    return {
      checkpointId: created.checkpointId,
      bytes: created.bytes,
      storedBytes: created.storedBytes,
      newBytes: created.newBytes,
    };
  }

  async list(tenant: string, sessionId: string) {
    await this.sessions.get(tenant, sessionId);
    const checkpoints = await this.checkpoints.list(tenant, sessionId);
    return {
      checkpoints: checkpoints.map((c) => ({
        checkpointId: c.checkpointId,
        label: c.label ?? null,
        createdAt: new Date(c.createdAt).toISOString(),
        turn: c.turn,
        bytes: c.bytes,
      })),
    };
  }

  /** The session once no turn is queued or running (its automatic checkpoint is then stored). */
  private async settled(tenant: string, sessionId: string, signal: AbortSignal) {
    const deadline = Date.now() + RUNNING_TURN_WAIT_MS;
    for (;;) {
      const record = await this.sessions.get(tenant, sessionId);
      if (record.status === 'waiting') {
        // Waiting for the client itself: polling until the deadline would not help anyone.
        throw new InvalidRequest(
          `session ${sessionId} is waiting for a permission answer; answer it with ` +
            'session_respond, then checkpoint it when the turn ends',
        );
      }
      if (record.status !== 'running' && record.status !== 'queued') return record;
      if (Date.now() > deadline || signal.aborted) {
        throw new InvalidRequest(
          `session ${sessionId} is still ${record.status}; checkpoint it when the turn ends, or interrupt it`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
