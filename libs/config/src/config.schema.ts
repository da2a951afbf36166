import { z } from 'zod';
import { adminKeysVariable } from './admin-keys';
import { placeholderIn, placeholderMessage } from './placeholder-secrets';
import { tenantLimitsVariable } from './tenant-limits';
import { webhooksVariable } from './webhooks-variable';

const GiB = 1024 ** 3;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number) => z.coerce.number().int().min(min);

/**
 * `tenant:key,tenant:key` → [{ tenant, key }]; a key shorter than 16 characters or a template
 * placeholder is refused.
 */
const apiKeys = z.string().transform((raw, ctx) => {
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return entries.flatMap((entry) => {
    const at = entry.indexOf(':');
    const tenant = entry.slice(0, at);
    const key = entry.slice(at + 1);
    if (at <= 0 || !/^[A-Za-z0-9_-]{1,64}$/.test(tenant) || key.length < 16) {
      ctx.addIssue({
        code: 'custom',
        message: `entry "${tenant || '?'}:…" must be tenant:key with a tenant of [A-Za-z0-9_-] and a key of at least 16 characters`,
      });
      return [];
    }
    const placeholder = placeholderIn(key);
    if (placeholder) {
      ctx.addIssue({
        code: 'custom',
        message: placeholderMessage(`the key of "${tenant}"`, placeholder),
      });
      return [];
    }
    return [{ tenant, key }];
  });
});

/** A credential: a template placeholder is refused like a missing value would be. */
const secret = z.string().superRefine((value, ctx) => {
  const placeholder = placeholderIn(value);
  if (placeholder)
    ctx.addIssue({ code: 'custom', message: placeholderMessage('the value', placeholder) });
});

const csv = z.string().transform((raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/**
 * Host variables that child processes (the CLI, git) may inherit: the search path, locale and
 * proxies (`LC_*` too). Never credentials: the worker's own secrets must not reach a process
 * that runs model-chosen commands.
 */
export const HOST_VARIABLES: ReadonlySet<string> = new Set([
  'PATH',
  'LANG',
  'LANGUAGE',
  'TZ',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]);

export const isHostVariable = (name: string): boolean =>
  HOST_VARIABLES.has(name) || name.startsWith('LC_');

/**
 * The environment contract of DESIGN.md plus tuning knobs; parsed once at start-up. Loose: the
 * host's variables and CLAUDE_ENV_PASSTHROUGH's are read from the same parse.
 */
export const EnvSchema = z.looseObject({
  PORT: int(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  WORKER_HEALTH_PORT: int(0).max(65535).default(3001),
  REDIS_URL: z.string().url().optional(),
  /**
   * Whether REDIS_URL is a Redis Cluster seed: `auto` asks Redis once at start-up (INFO
   * cluster); true/false skip the question (a server that refuses INFO, no wait at start-up).
   */
  REDIS_CLUSTER: z
    .enum(['auto', 'true', 'false', '1', '0', 'yes', 'no'])
    .default('auto')
    .transform((v): boolean | 'auto' =>
      v === 'auto' ? v : v === 'true' || v === '1' || v === 'yes',
    ),
  /** Prepended to every key, so deployments (or test suites) can share one Redis. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:-]*$/)
    .default(''),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_BUCKET: z.string().min(3).optional(),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: secret.optional(),
  S3_FORCE_PATH_STYLE: bool.default(true),
  DATA_DIR: z.string().min(1).default('./.data'),
  CLAUDE_BIN: z.string().min(1).optional(),
  ANTHROPIC_API_KEY: z.string().optional(),
  ANTHROPIC_BASE_URL: z.string().url().optional(),
  MCP_API_KEYS: apiKeys.optional(),
  /** Operator keys (queue dashboard at /admin/queues); unset: no dashboard. See admin-keys.ts. */
  ADMIN_API_KEYS: adminKeysVariable.optional(),
  /** The queue dashboard may retry, promote and remove jobs (default: it only shows them). */
  ADMIN_QUEUES_WRITABLE: bool.default(false),
  /** Operator keys may change sessions over /api/v1 (and the console); default: read only. */
  ADMIN_SESSIONS_WRITABLE: bool.default(false),
  /** Per-tenant quotas and daily budget (JSON or a file path); see tenant-limits.ts. */
  TENANT_LIMITS: tenantLimitsVariable,
  WORKER_CONCURRENCY: int(1).max(1024).optional(),
  /**
   * How queued turns are shared out: `fair` takes turns across tenants (a tenant's k-th queued
   * turn before anyone's (k+1)-th), `fifo` in the order they were queued.
   */
  TURN_DISPATCH: z.enum(['fair', 'fifo']).default('fair'),
  SESSION_IDLE_MS: int(1000).default(60_000),
  /**
   * How soon a worker that died is noticed: its session leases and BullMQ job locks both last
   * this long without renewal, so another worker takes its turns over within about 1.5× this.
   */
  WORKER_LIVENESS_MS: int(1000).default(10_000),
  /** How long a SIGTERMed worker lets running turns finish before handing them back. */
  WORKER_DRAIN_MS: int(0).default(30_000),
  /**
   * How long a SIGTERMed gateway lets waited calls run on; then they answer "still running"
   * with the cursor to follow the turn from (any replica), and the streams close.
   */
  GATEWAY_DRAIN_MS: int(0).default(10_000),
  SANDBOX: z.enum(['bwrap', 'none']).optional(),
  /**
   * `proxy` (the default: the sandbox reaches only the API, through the worker's egress proxy)
   * or `host` (explicit opt-in). Unset is kept apart from an explicit `proxy`: only the default
   * gives way, loudly, where the CLI runs unsandboxed.
   */
  SANDBOX_NETWORK: z.enum(['host', 'proxy']).optional(),
  /** Extra `host[:port]` names the proxy lets a sandbox reach besides the API host. */
  SANDBOX_PROXY_ALLOW: csv.default([]),
  /** Per-session resource limits (0: no limit). */
  SANDBOX_MAX_PROCESSES: int(0).default(512),
  SANDBOX_MAX_FILE_BYTES: int(0).default(GiB),
  /** The session's memory (cgroup; per process where no cgroup can be made). */
  SANDBOX_MAX_MEMORY_BYTES: int(0).default(2 * GiB),
  /** The session's files on the worker's disk (workspace and config dir). */
  SANDBOX_MAX_DISK_BYTES: int(0).default(4 * GiB),
  /** A root worker runs each sandbox as its own uid from here up (0: as the worker's uid). */
  SANDBOX_UID_BASE: int(0)
    .max(2 ** 31)
    .default(60_000),
  WORKSPACE_MAX_BYTES: int(1).default(GiB),
  WORKSPACE_MAX_FILES: int(1).default(100_000),
  /** Glob patterns (picomatch, relative to the workspace) left out of checkpoints. */
  WORKSPACE_EXCLUDES: csv.default([]),
  GIT_ALLOWED_URLS: csv.default(['https://']),
  GIT_CLONE_TIMEOUT_MS: int(1000).default(120_000),
  /** Per-tenant webhooks set by the operator (JSON or a file path); see webhooks-variable.ts. */
  WEBHOOKS: webhooksVariable,
  /** URL prefixes webhooks may target, checked like GIT_ALLOWED_URLS. */
  WEBHOOK_ALLOWED_URLS: csv.default(['https://']),
  /** Tries per delivery, the first included; then it is logged as failed. */
  WEBHOOK_ATTEMPTS: int(1).max(50).default(8),
  /** First retry delay, doubled at each retry (8 attempts: 30 s, 1 min, … 32 min, ~1 h in all). */
  WEBHOOK_BACKOFF_MS: int(10).default(30_000),
  /** Which settings files the CLI loads (`--setting-sources`): `user` ignores the repository's. */
  CLAUDE_SETTING_SOURCES: z
    .string()
    .regex(/^(|(user|project|local)(,(user|project|local))*)$/)
    .default('user'),
  /** Only MCP servers the operator configures, never the repository's `.mcp.json`. */
  CLAUDE_STRICT_MCP_CONFIG: bool.default(true),
  /** Managed settings for every CLI (`--settings`): a JSON file path or inline JSON. */
  CLAUDE_MANAGED_SETTINGS: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * OpenTelemetry traces (OTLP over HTTP), off when unset. The standard OTel variables: the
   * exporter reads OTEL_EXPORTER_OTLP_HEADERS and the like itself.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** `otlp` (default when the endpoint is set), `console` (spans on stdout, to try it), `none`. */
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'console', 'none']).optional(),
  /** Default: csb-gateway / csb-worker, by role. */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /** How long finished spans wait to be exported in one batch (the OTel default, 5 s). */
  OTEL_BSP_SCHEDULE_DELAY: int(0).max(60_000).default(5_000),
  /** `auto`: readable lines on a terminal, JSON otherwise (pipes, containers, log collectors). */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  CLAUDE_INACTIVITY_TIMEOUT_MS: int(1000).default(10 * 60_000),
  CLAUDE_MAX_LINE_BYTES: int(1024).default(16 * 1024 * 1024),
  CLAUDE_STDERR_BYTES: int(1024).default(64 * 1024),
  /** Extra variable names passed to the CLI (operator's choice, e.g. a simulator's settings). */
  CLAUDE_ENV_PASSTHROUGH: csv.default([]),
  /** Events a worker buffers per session before it pauses the CLI's output. */
  EVENT_BUFFER_EVENTS: int(10).default(2_000),
  /**
   * How long a worker gathers the event appends of all its sessions before sending them to Redis
   * in one pipeline: 0 sends what one turn of the event loop read; a few ms trade that much
   * latency for fewer writes and wake-ups per event in the worker, Redis and the gateways.
   */
  EVENT_APPEND_LINGER_MS: int(0).max(50).default(0),
  /** Events kept per session stream (older ones are trimmed). */
  EVENT_STREAM_MAXLEN: int(100).default(10_000),
  /** How often a worker runs checkpoint GC (0: never; `npm run gc` runs it by hand). */
  GC_INTERVAL_MS: int(0).default(6 * 3_600_000),
  /** Unreferenced objects younger than this are kept (a checkpoint may be mid-write). */
  GC_GRACE_MS: int(1_000).default(6 * 3_600_000),
  /** Longest a `wait: true` tool call waits for its turn. */
  TURN_WAIT_MAX_MS: int(1000).default(10 * 60_000),
});

export type Env = z.infer<typeof EnvSchema>;
