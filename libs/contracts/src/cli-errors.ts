/**
 * The CLI's own diagnostics among a result's `errors` (`[ede_diagnostic] result_type=user ...`,
 * on an interrupted turn): for its developers, meaningless to a client.
 */
const DIAGNOSTIC = /^\[\w+_diagnostic\]/;

/** A result's `errors`, without the CLI's internal diagnostics. */
export function reportedErrors(errors: unknown): string[] {
  if (!Array.isArray(errors)) return [];
  return errors.filter((e): e is string => typeof e === 'string' && !DIAGNOSTIC.test(e));
}
