import { isHostVariable } from '@app/config';

/**
 * The CLI sees only the host's search path, locale and proxy variables and these, so the
 * worker's own secrets (Redis and S3 credentials, MCP keys) never reach a process that runs
 * model-chosen commands.
 */
const CLI_VARIABLES = new Set(['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'HOME']);

/** Settings that keep a headless CLI from phoning home, updating itself or prompting. */
export const HEADLESS_DEFAULTS: Readonly<Record<string, string>> = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_AUTOUPDATER: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
};

export function isAllowedVariable(name: string): boolean {
  return CLI_VARIABLES.has(name) || isHostVariable(name);
}

/**
 * Builds the CLI's environment: allow-listed variables of `source`, the headless defaults,
 * then `overrides` (trusted values chosen by the worker, never by a client).
 */
export function cliEnvironment(
  source: Readonly<Record<string, string | undefined>>,
  overrides: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && isAllowedVariable(name)) env[name] = value;
  }
  return { ...env, ...HEADLESS_DEFAULTS, ...overrides };
}
