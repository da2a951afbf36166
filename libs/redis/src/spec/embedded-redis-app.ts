/**
 * A stand-in for `npm start` in embedded-redis.spec.ts: starts the embedded Redis, prints its
 * pid, and on SIGINT checks that Redis still answers before stopping it (the app's order).
 */
import Redis from 'ioredis';
import { startEmbeddedRedis } from '../embedded-redis';

async function main(): Promise<void> {
  const redis = await startEmbeddedRedis(process.argv[2]);
  process.once('SIGINT', () => {
    void (async () => {
      const client = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      const answer = await client.ping().catch((error: Error) => `failed: ${error.message}`);
      client.disconnect();
      await redis.stop();
      process.stdout.write(`after-sigint ${answer}\n`);
      process.exit(0);
    })();
  });
  process.stdout.write(`redis-pid ${redis.pid}\n`);
}

void main();
