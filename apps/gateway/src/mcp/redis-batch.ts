import type { ChainableCommander } from 'ioredis';

/**
 * Runs a MULTI or pipeline and returns each command's reply. ioredis reports a failed command
 * inside the results instead of rejecting, which would make a lost write look like a success.
 */
export async function execAll(batch: ChainableCommander, what: string): Promise<unknown[]> {
  const results = await batch.exec();
  if (!results) throw new Error(`${what}: the Redis transaction was discarded`);
  return results.map(([error, reply]) => {
    if (error) throw new Error(`${what}: ${error.message}`);
    return reply;
  });
}
