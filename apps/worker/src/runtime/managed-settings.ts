import { readFileSync } from 'node:fs';

/**
 * CLAUDE_MANAGED_SETTINGS as the inline JSON the CLI gets with `--settings`: a sandboxed CLI
 * cannot see host paths, so a file is read here, once, at start-up. The JSON lands in the
 * CLI's argv (visible to `ps`): it must hold policy, never secrets.
 */
export function managedSettingsJson(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const inline = value.trimStart().startsWith('{');
  let text: string;
  try {
    text = inline ? value : readFileSync(value, 'utf8');
  } catch (error) {
    throw new Error(
      `CLAUDE_MANAGED_SETTINGS: cannot read ${value}: ${(error as Error).message}; give a readable JSON file or inline JSON`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `CLAUDE_MANAGED_SETTINGS${inline ? '' : ` (${value})`} is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('CLAUDE_MANAGED_SETTINGS must be a JSON object of Claude Code settings');
  }
  return JSON.stringify(parsed);
}
