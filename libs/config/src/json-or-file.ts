import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * A variable given as inline JSON or as the path of a file holding it (a mounted ConfigMap or
 * Secret): its parsed value, or z.NEVER with an issue said on `ctx`. `quoteParseError: false`
 * where the text holds secrets (the parser's message can quote it).
 */
export function jsonOrFile(
  raw: string,
  ctx: z.RefinementCtx,
  options: { quoteParseError: boolean },
): unknown {
  let text = raw;
  if (!raw.trimStart().startsWith('{')) {
    try {
      text = readFileSync(raw, 'utf8');
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `neither JSON nor a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}): give inline JSON or the path of a JSON file`,
      });
      return z.NEVER;
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = options.quoteParseError
      ? `not valid JSON: ${(error as Error).message}`
      : 'not valid JSON';
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  }
}
