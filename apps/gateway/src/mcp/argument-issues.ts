import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/**
 * Zod issues as "field: problem" phrases, e.g. `sessionId: sessionId must be a session id ...` or
 * `workspace.files[0].path: must be a relative path without ..`.
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .flatMap((issue) => closestIssues(issue, []))
    .map(({ path, message }) => `${pathText(path)}: ${message}`)
    .join('; ');
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
