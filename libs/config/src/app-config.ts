import { z } from 'zod';
import { tenantsSharingAdminKeys } from './admin-keys';
import { EnvSchema, isHostVariable, type Env } from './config.schema';
import { ConfigInvalid } from './errors';

/**
 * The environment, validated, grouped by the part of the system that reads it. Also the one
 * place that reads the host's own variables (PATH, locale, proxies) which child processes (the
 * CLI, git) inherit, so no code below start-up touches process.env.
 */
export const ConfigSchema = EnvSchema.superRefine((env, ctx) => {
  if ((env.MCP_API_KEYS ?? []).length === 0 && !isLoopback(env.HOST)) {
    ctx.addIssue({
      code: 'custom',
      path: ['HOST'],
      message: `${env.HOST} is not a loopback address but MCP_API_KEYS is unset: set MCP_API_KEYS (tenant:key,...) or bind to 127.0.0.1`,
    });
  }
  const sharing = tenantsSharingAdminKeys(env.ADMIN_API_KEYS ?? [], env.MCP_API_KEYS ?? []);
  if (sharing.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['ADMIN_API_KEYS'],
      message: `an operator key equals or contains the key of tenant ${sharing.join(', ')} (MCP_API_KEYS): give operators keys of their own`,
    });
  }
}).transform((env) => ({
  http: {
    port: env.PORT,
    host: env.HOST,
    apiKeys: env.MCP_API_KEYS ?? [],
    drainMs: env.GATEWAY_DRAIN_MS,
  },
  /** `cluster: 'auto'` is settled by the entry points (resolveRedisMode in libs/redis). */
  redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX, cluster: env.REDIS_CLUSTER },
  storage: {
    dataDir: env.DATA_DIR,
    s3: env.S3_BUCKET
      ? {
          endpoint: env.S3_ENDPOINT,
          region: env.S3_REGION,
          bucket: env.S3_BUCKET,
          accessKeyId: env.S3_ACCESS_KEY_ID,
          secretAccessKey: env.S3_SECRET_ACCESS_KEY,
          forcePathStyle: env.S3_FORCE_PATH_STYLE,
        }
      : undefined,
  },
  /** Host variables child processes inherit (never secrets: see HOST_VARIABLES). */
  host: { env: hostVariables(env) },
  claude: {
    bin: env.CLAUDE_BIN,
    anthropicApiKey: env.ANTHROPIC_API_KEY,
    anthropicBaseUrl: env.ANTHROPIC_BASE_URL,
    inactivityTimeoutMs: env.CLAUDE_INACTIVITY_TIMEOUT_MS,
    maxLineBytes: env.CLAUDE_MAX_LINE_BYTES,
    stderrBytes: env.CLAUDE_STDERR_BYTES,
    /** CLAUDE_ENV_PASSTHROUGH's variables with their values, as the operator set them. */
    passthrough: passthroughVariables(env),
    settingSources: env.CLAUDE_SETTING_SOURCES,
    strictMcpConfig: env.CLAUDE_STRICT_MCP_CONFIG,
    managedSettings: env.CLAUDE_MANAGED_SETTINGS,
  },
  worker: {
    concurrency: env.WORKER_CONCURRENCY,
    sessionIdleMs: env.SESSION_IDLE_MS,
    livenessMs: env.WORKER_LIVENESS_MS,
    drainMs: env.WORKER_DRAIN_MS,
    healthPort: env.WORKER_HEALTH_PORT,
    eventBufferEvents: env.EVENT_BUFFER_EVENTS,
  },
  events: {
    maxLen: env.EVENT_STREAM_MAXLEN,
    appendLingerMs: env.EVENT_APPEND_LINGER_MS,
    turnWaitMaxMs: env.TURN_WAIT_MAX_MS,
  },
  /** How the gateways queue turns (TURN_DISPATCH; the workers take whatever comes first). */
  queue: { dispatch: env.TURN_DISPATCH },
  gc: { intervalMs: env.GC_INTERVAL_MS, graceMs: env.GC_GRACE_MS },
  sandbox: {
    mode: env.SANDBOX,
    network: env.SANDBOX_NETWORK ?? 'proxy',
    /** SANDBOX_NETWORK was set: an explicit `proxy` that cannot be honoured stops the worker. */
    networkExplicit: env.SANDBOX_NETWORK !== undefined,
    proxyAllow: env.SANDBOX_PROXY_ALLOW,
    limits: {
      maxProcesses: env.SANDBOX_MAX_PROCESSES,
      maxFileBytes: env.SANDBOX_MAX_FILE_BYTES,
      maxMemoryBytes: env.SANDBOX_MAX_MEMORY_BYTES,
      maxDiskBytes: env.SANDBOX_MAX_DISK_BYTES,
    },
    uidBase: env.SANDBOX_UID_BASE,
  },
  workspace: {
    maxBytes: env.WORKSPACE_MAX_BYTES,
    maxFiles: env.WORKSPACE_MAX_FILES,
    excludes: env.WORKSPACE_EXCLUDES,
    gitAllowedUrls: env.GIT_ALLOWED_URLS,
    gitCloneTimeoutMs: env.GIT_CLONE_TIMEOUT_MS,
  },
  /** Status-change webhooks: the operator's per tenant, URL policy and retry schedule. */
  webhooks: {
    operator: env.WEBHOOKS,
    allowedUrls: env.WEBHOOK_ALLOWED_URLS,
    attempts: env.WEBHOOK_ATTEMPTS,
    backoffMs: env.WEBHOOK_BACKOFF_MS,
  },
  /** Quotas and budgets per tenant (TENANT_LIMITS; defaults for tenants it does not name). */
  tenantLimits: env.TENANT_LIMITS,
  /** Operators (ADMIN_API_KEYS): the queue dashboard; none: it is not mounted. */
  admin: {
    apiKeys: env.ADMIN_API_KEYS ?? [],
    queuesWritable: env.ADMIN_QUEUES_WRITABLE,
    sessionsWritable: env.ADMIN_SESSIONS_WRITABLE,
  },
  logLevel: env.LOG_LEVEL,
  logFormat: env.LOG_FORMAT,
  /** Traces: exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, off otherwise. */
  tracing: {
    exporter: env.OTEL_TRACES_EXPORTER ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT ? 'otlp' : 'none'),
    endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: env.OTEL_SERVICE_NAME,
    scheduleDelayMs: env.OTEL_BSP_SCHEDULE_DELAY,
  },
}));

export type AppConfig = z.output<typeof ConfigSchema>;

/** Reads the environment once; throws ConfigInvalid naming every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = ConfigSchema.safeParse(blankToUndefined(source));
  if (!parsed.success) throw new ConfigInvalid(describeIssues(parsed.error));
  return parsed.data;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

function hostVariables(env: Env & Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (isHostVariable(name) && typeof value === 'string') out[name] = value;
  }
  return out;
}

function passthroughVariables(env: Env & Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of env.CLAUDE_ENV_PASSTHROUGH) {
    const value = env[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/**
 * An empty variable (`FOO=`) means unset, as in most deployment tooling. Only the variables
 * the schema knows, the host's and the passthrough ones are looked at.
 */
function blankToUndefined(source: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(source)) {
    out[key] = value === undefined || value.trim() === '' ? undefined : value;
  }
  return out;
}

/** Names the variable and the problem, never the value (it may be a secret). */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`).join('; ');
}
