import type { Logger } from 'pino';
import type { AppConfig } from '@app/config';
import type { LogFormat } from '@app/logging';

/** What `npm start` tells a person once everything is up; never a key, only where keys are set. */
export interface ReadyFacts {
  /** The gateway's base URL as bound (gatewayBaseUrl). */
  baseUrl: string;
  /** Tenants with a bearer key (MCP_API_KEYS); none: the loopback-only no-key mode. */
  tenants: readonly string[];
  /** The queue dashboard is mounted (ADMIN_API_KEYS), and whether it may change jobs. */
  dashboard?: { writable: boolean };
  /** The worker has no Anthropic credentials: every turn will fail (anthropic-credentials.ts). */
  credentialsMissing?: boolean;
}

export function readyFacts(
  config: AppConfig,
  baseUrl: string,
  credentialsMissing = false,
): ReadyFacts {
  return {
    baseUrl,
    tenants: config.http.apiKeys.map(({ tenant }) => tenant),
    dashboard:
      config.admin.apiKeys.length > 0 ? { writable: config.admin.queuesWritable } : undefined,
    credentialsMissing,
  };
}

/** The one command that points Claude Code at this gateway (the key left for the person). */
export function clientSetupCommand(facts: ReadyFacts): string {
  const add = `claude mcp add --transport http claude-sessions ${facts.baseUrl}/mcp`;
  const tenant = facts.tenants[0];
  return tenant === undefined
    ? add
    : `${add} --header "Authorization: Bearer <key of tenant ${tenant}>"`;
}

function authLine(facts: ReadyFacts): string {
  return facts.tenants.length === 0
    ? 'no keys (MCP_API_KEYS unset): only clients on this machine, all as tenant "local"'
    : `bearer keys from MCP_API_KEYS for tenant${facts.tenants.length > 1 ? 's' : ''} ${facts.tenants.join(', ')}`;
}

/** The closing lines of `npm start` on a terminal, in the order a person needs them. */
export function readyLines(facts: ReadyFacts): string[] {
  const lines = [
    '',
    'Claude session backend is ready.',
    `  MCP endpoint:     ${facts.baseUrl}/mcp`,
    `  Auth:             ${authLine(facts)}`,
    '  Add it to Claude Code:',
    `    ${clientSetupCommand(facts)}`,
  ];
  if (facts.dashboard) {
    const mode = facts.dashboard.writable ? 'WRITABLE' : 'read-only';
    lines.push(
      `  Queue dashboard:  ${facts.baseUrl}/admin/queues (${mode}; an ADMIN_API_KEYS key as password)`,
    );
  }
  if (facts.credentialsMissing) {
    lines.push(
      '  Warning:          no Anthropic credentials: set ANTHROPIC_API_KEY, or every turn fails (no_credentials)',
    );
  }
  lines.push('  Ctrl-C stops it.', '');
  return lines;
}

/**
 * Ends start-up: plain lines for a person at a terminal; one structured record for a log
 * collector, which would mangle a multi-line banner.
 */
export function announceReady(logger: Logger, format: LogFormat, facts: ReadyFacts): void {
  if (format === 'pretty') {
    process.stdout.write(`${readyLines(facts).join('\n')}\n`);
    return;
  }
  logger.info(
    {
      mcp: `${facts.baseUrl}/mcp`,
      auth: facts.tenants.length === 0 ? 'none (loopback only)' : 'bearer',
      tenants: facts.tenants,
      clientSetup: clientSetupCommand(facts),
      ...(facts.dashboard ? { queueDashboard: `${facts.baseUrl}/admin/queues` } : {}),
    },
    'ready',
  );
}
