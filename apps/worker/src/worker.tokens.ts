/** Injection tokens of the worker. */
export const WORKER_CONCURRENCY = Symbol('WORKER_CONCURRENCY');
export const WORKER_ID = Symbol('WORKER_ID');
export const REDIS_COMMANDS = Symbol('REDIS_COMMANDS');
export const REDIS_SUBSCRIBER = Symbol('REDIS_SUBSCRIBER');
