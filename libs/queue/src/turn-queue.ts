import type { Queue } from 'bullmq';
import { TurnJobSchema, turnJobId, type TurnJob } from '@app/contracts';

/** The gateway's side of the turn queue: enqueue a turn, drop turns not yet started. */
export class TurnQueue {
  constructor(private readonly queue: Queue<TurnJob>) {}

  /** Adds the turn; the job id is derived from session and turn, so adding twice is harmless. */
  async enqueue(job: TurnJob): Promise<void> {
    const data = TurnJobSchema.parse(job);
    await this.queue.add('turn', data, { jobId: turnJobId(data.sessionId, data.turn) });
  }

  /** Removes the session's turns that are still waiting (e.g. on terminate); returns how many. */
  async dropWaiting(sessionId: string, turns: number[]): Promise<number> {
    let removed = 0;
    for (const turn of turns) {
      const job = await this.queue.getJob(turnJobId(sessionId, turn));
      if (job && ((await job.isWaiting()) || (await job.isDelayed()))) {
        await job.remove().then(
          () => removed++,
          () => undefined, // picked up meanwhile: the worker sees the terminated status
        );
      }
    }
    return removed;
  }
}
