import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** Issues named in one answer; the rest are counted. */
const MAX_ISSUES = 10;
/** Longest phrase per issue: a key or a tool name is the caller's input, up to megabytes long. */
export const MAX_ECHO_CHARS = 200;

/**
 * Zod issues as "field: problem" phrases, e.g. `sessionId: sessionId must be a session id ...` or
 * `workspace.files[0].path: must be a relative path without ..`. Bounded: an answer never echoes
 * a huge input back (it would also be kept in Redis with the stream's replay history).
 */
export function describeIssues(error: z.ZodError): string {
  const phrases = error.issues
    .flatMap((issue) => closestIssues(issue, []))
    .map(({ path, message }) => clip(`${pathText(path)}: ${message}`, MAX_ECHO_CHARS));
  const more = phrases.length - MAX_ISSUES;
  return [...phrases.slice(0, MAX_ISSUES), ...(more > 0 ? [`and ${more} more`] : [])].join('; ');
}

/** `text`, cut to `max` characters (never inside a surrogate pair) with a note of its length. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1]) ? max - 1 : max;
  return `${text.slice(0, end)}… (${text.length} characters)`;
}

/**
 * A union failure says only "Invalid input"; the branch with the fewest issues is almost always the
 * one the caller meant (`{git:{}}` → "workspace.git.url: ..."), so describe that branch instead.
 */
function closestIssues(
  issue: Issue,
  prefix: PropertyKey[],
): Array<{ path: PropertyKey[]; message: string }> {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const closest = issue.errors.reduce((best, branch) =>
      branch.length < best.length ? branch : best,
    );
    if (closest.length > 0) return closest.flatMap((inner) => closestIssues(inner, path));
  }
  return [{ path, message: issue.message }];
}

function pathText(path: PropertyKey[]): string {
  if (path.length === 0) return 'arguments';
  return path
    .map((part, i) =>
      typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`,
    )
    .join('');
}
