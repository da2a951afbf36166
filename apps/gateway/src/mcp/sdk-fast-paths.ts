import { Logger } from '@nestjs/common';
import * as sdkTypes from '@modelcontextprotocol/sdk/types.js';

type Predicate = (value: unknown) => boolean;

/** The SDK's response predicates, each with the member its schema requires. */
const RESPONSE_PREDICATES = [
  ['isJSONRPCResultResponse', 'result'],
  ['isJSONRPCErrorResponse', 'error'],
  ['isJSONRPCResponse', 'result'], // deprecated alias of isJSONRPCResultResponse
] as const;

const PATCHED = Symbol('csb.fastPath');

/**
 * The SDK's transport asks "is this a response?" four times for every message it sends, each a
 * zod safeParse; for a notification every parse fails, and zod builds an issue list each time.
 * At 2,000 progress notifications/s that was ~20 % of the gateway's CPU and much of its garbage.
 *
 * A message without the member a schema requires (`result`, `error`) fails that schema whatever
 * else it holds, so answering false for it at once gives the same answer without the parse;
 * anything else still goes to the SDK's own check. The SDK's CommonJS build calls these through
 * its exports object, so replacing the exports reaches its transport. Where that is no longer
 * possible (an SDK change), nothing is replaced, a warning says so, and sdk-fast-paths.spec.ts
 * fails.
 *
 * Upstream: a structural pre-check in the SDK's is* guards would make this file unnecessary.
 */
export function installSdkFastPaths(log = new Logger('SdkFastPaths')): boolean {
  const exportsObject = sdkTypes as unknown as Record<string, unknown>;
  for (const [name, required] of RESPONSE_PREDICATES) {
    const original = exportsObject[name];
    if (typeof original !== 'function') return warn(log, `${name} is not exported`);
    if ((original as { [PATCHED]?: boolean })[PATCHED]) continue;
    const fast = Object.assign(
      (value: unknown): boolean =>
        typeof value === 'object' && value !== null && !(required in value)
          ? false
          : (original as Predicate)(value),
      { [PATCHED]: true },
    );
    try {
      exportsObject[name] = fast;
    } catch (error) {
      return warn(log, `${name} cannot be replaced (${String(error)})`);
    }
    if (exportsObject[name] !== fast) return warn(log, `${name} cannot be replaced`);
  }
  return true;
}

function warn(log: Logger, detail: string): false {
  log.warn(`MCP SDK fast path not installed: ${detail}; notifications cost more CPU`);
  return false;
}
