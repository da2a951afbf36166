import type { ResultMessage } from './messages';

/*
 * Failures the CLI reports in words meant for a person at a terminal, recognized so a hosted
 * backend can say what its operator must do instead. The texts are the CLI's own (checked with
 * 2.1.332: with no ANTHROPIC_API_KEY, a turn ends in a `result` with `is_error: true`, subtype
 * `success`, `result: "Not logged in · Please run /login"`, after an assistant message carrying
 * `error: "authentication_failed"`).
 */

const NOT_LOGGED_IN = /^Not logged in\b/i;

/** Whether a turn failed because no Anthropic credentials reached the CLI. */
export function isNotLoggedIn(result: Pick<ResultMessage, 'is_error' | 'result'>): boolean {
  return result.is_error && typeof result.result === 'string' && NOT_LOGGED_IN.test(result.result);
}
