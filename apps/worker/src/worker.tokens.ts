/** Injection tokens of the worker's values that are not classes. */
export const WORKER_ID = Symbol('WORKER_ID');
export const WORKER_LOGGER = Symbol('WORKER_LOGGER');
export const REDIS_COMMANDS = Symbol('REDIS_COMMANDS');
export const CHECKPOINT_STORE = Symbol('CHECKPOINT_STORE');
/** How CLI processes are started (plain, or in the sandbox: the same seam). */
export const LAUNCHER = Symbol('LAUNCHER');
/** The claude executable, found once at start-up. */
export const CLAUDE_BINARY = Symbol('CLAUDE_BINARY');
