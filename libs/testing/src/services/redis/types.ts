import type { ServiceSource, SourceOptions } from '../source';

export interface TestRedisOptions extends SourceOptions {
  /** Shows up in the key namespace, to tell suites apart on a shared server. */
  label?: string;
  /** 'aof' keeps data across stop/start and even kill() (private servers only). Default 'none'. */
  persistence?: 'none' | 'aof';
  /** How long to wait for PONG after starting (default 10 s; containers may also pull an image). */
  startTimeoutMs?: number;
  /** Container image when Docker is used (default redis:7-alpine). */
  image?: string;
}

/** A Redis endpoint owned by one test suite. */
export interface TestRedis {
  readonly source: ServiceSource;
  /** redis://host:port (with credentials and db when they came from REDIS_URL). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Unique per call; use as BullMQ `prefix`. Keys outside it are not cleaned up on a shared server. */
  readonly namespace: string;
  /** `${namespace}:`, for ioredis `keyPrefix` (BullMQ must use `namespace` as `prefix` instead). */
  readonly keyPrefix: string;
  /** False for a shared server from REDIS_URL: stop/kill/start/restart throw TestServiceUnsupported. */
  readonly canRestart: boolean;
  /** Local redis-server only: its temp dir (log in redis.log, AOF files), removed by close(). */
  readonly dataDir?: string;
  /** Graceful shutdown (SIGTERM / docker stop); clients then get connection refused until start(). */
  stop(): Promise<void>;
  /** Crash (SIGKILL): without persistence 'aof' every key is lost. */
  kill(): Promise<void>;
  /** Starts again on the same port and data dir, so ioredis clients reconnect by themselves. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Variables that point libs/config's loadConfig() at this server. */
  env(): { REDIS_URL: string };
  /** Tears everything down (process, container, or this namespace's keys). Idempotent. */
  close(): Promise<void>;
}
