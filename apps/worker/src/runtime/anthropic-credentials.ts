import type { AppConfig } from '@app/config';

/**
 * Variables through which the CLI authenticates to the API besides ANTHROPIC_API_KEY; they reach
 * it only when the operator lists them in CLAUDE_ENV_PASSTHROUGH (libs/claude/src/environment.ts).
 */
const OTHER_CREDENTIALS = [
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CODE_OAUTH_TOKEN',
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
];

/**
 * Why every turn on this worker will fail for want of credentials, if it will: said once at
 * start-up, so the operator learns it before a client does. Each such turn still fails with
 * `no_credentials` naming the variable (turn-runner), never silently.
 */
export function missingCredentials(claude: AppConfig['claude']): string | undefined {
  if (claude.anthropicApiKey) return undefined;
  if (OTHER_CREDENTIALS.some((name) => claude.passthrough[name])) return undefined;
  return (
    'no Anthropic credentials: ANTHROPIC_API_KEY is unset, so every turn will fail with ' +
    '"no_credentials" (the CLI says "Not logged in"). Set ANTHROPIC_API_KEY for this worker ' +
    `(or pass ${OTHER_CREDENTIALS.slice(0, 2).join(' / ')} through CLAUDE_ENV_PASSTHROUGH)`
  );
}
