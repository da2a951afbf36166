import { resolve } from 'node:path';

export interface OfflineCliEnvOptions {
  /** The stub's `url`. */
  baseUrl: string;
  /** A private HOME (the CLI writes caches and plugin state there). */
  home: string;
  /** A private CLAUDE_CONFIG_DIR (transcripts land in `<dir>/projects/<slug>/`). */
  configDir: string;
  apiKey?: string;
  /** PATH for the CLI and the tools it runs (Bash needs a shell). */
  path?: string;
}

/**
 * Environment for running claude 2.1.331 against the stub with no traffic beyond loopback.
 * Checked with strace: without these the CLI resolves external hosts (telemetry, error
 * reporting, update checks) and leaves `telemetry/1p_failed_events.*` files in the config
 * dir; with them its only connections are to ANTHROPIC_BASE_URL.
 */
export const OFFLINE_CLI_ENV: Readonly<Record<string, string>> = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_AUTOUPDATER: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
};

/** A clean environment (nothing inherited but PATH) for spawning the real CLI at the stub. */
export function offlineCliEnv(options: OfflineCliEnvOptions): Record<string, string> {
  return {
    PATH: options.path ?? process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home,
    CLAUDE_CONFIG_DIR: options.configDir,
    ANTHROPIC_API_KEY: options.apiKey ?? 'test-key',
    ANTHROPIC_BASE_URL: options.baseUrl,
    ...OFFLINE_CLI_ENV,
  };
}

/** The CLI binary installed from `@anthropic-ai/claude-code` in this repository. */
export function claudeBinaryPath(repoRoot = resolve(__dirname, '../../../..')): string {
  return resolve(repoRoot, 'node_modules/.bin/claude');
}
