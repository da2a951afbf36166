import { z } from 'zod';
import { EnvSchema, type Env } from './config.schema';
import { ConfigInvalid } from './errors';

/** Validated configuration, grouped by the part of the system that reads it. */
export interface AppConfig {
  http: { port: number; host: string; apiKeys: Array<{ tenant: string; key: string }> };
  redis: { url?: string; keyPrefix: string };
  storage: {
    dataDir: string;
    s3?: {
      endpoint?: string;
      region: string;
      bucket: string;
      accessKeyId?: string;
      secretAccessKey?: string;
      forcePathStyle: boolean;
    };
  };
  claude: {
    bin?: string;
    anthropicApiKey?: string;
    anthropicBaseUrl?: string;
    inactivityTimeoutMs: number;
    maxLineBytes: number;
    stderrBytes: number;
    envPassthrough: string[];
    settingSources: string;
    strictMcpConfig: boolean;
    managedSettings?: string;
  };
  worker: {
    concurrency?: number;
    sessionIdleMs: number;
    healthPort: number;
    eventBufferEvents: number;
  };
  events: { maxLen: number; turnWaitMaxMs: number };
  gc: { intervalMs: number; graceMs: number };
  sandbox: {
    mode?: 'bwrap' | 'none';
    network: 'host' | 'proxy';
    proxyAllow: string[];
    limits: { maxProcesses: number; maxFileBytes: number; maxMemoryBytes: number };
  };
  workspace: {
    maxBytes: number;
    maxFiles: number;
    excludes: string[];
    gitAllowedUrls: string[];
    gitCloneTimeoutMs: number;
  };
  logLevel: Env['LOG_LEVEL'];
}

/** Reads the environment once; throws ConfigInvalid naming every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(blankToUndefined(source));
  if (!parsed.success) throw new ConfigInvalid(describeIssues(parsed.error));
  const env = parsed.data;
  const apiKeys = env.MCP_API_KEYS ?? [];
  if (apiKeys.length === 0 && !isLoopback(env.HOST)) {
    throw new ConfigInvalid(
      `HOST=${env.HOST} is not a loopback address but MCP_API_KEYS is unset: set MCP_API_KEYS (tenant:key,...) or bind to 127.0.0.1`,
    );
  }
  return {
    http: { port: env.PORT, host: env.HOST, apiKeys },
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
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
    claude: {
      bin: env.CLAUDE_BIN,
      anthropicApiKey: env.ANTHROPIC_API_KEY,
      anthropicBaseUrl: env.ANTHROPIC_BASE_URL,
      inactivityTimeoutMs: env.CLAUDE_INACTIVITY_TIMEOUT_MS,
      maxLineBytes: env.CLAUDE_MAX_LINE_BYTES,
      stderrBytes: env.CLAUDE_STDERR_BYTES,
      envPassthrough: env.CLAUDE_ENV_PASSTHROUGH,
      settingSources: env.CLAUDE_SETTING_SOURCES,
      strictMcpConfig: env.CLAUDE_STRICT_MCP_CONFIG,
      managedSettings: env.CLAUDE_MANAGED_SETTINGS,
    },
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
      sessionIdleMs: env.SESSION_IDLE_MS,
      healthPort: env.WORKER_HEALTH_PORT,
      eventBufferEvents: env.EVENT_BUFFER_EVENTS,
    },
    events: { maxLen: env.EVENT_STREAM_MAXLEN, turnWaitMaxMs: env.TURN_WAIT_MAX_MS },
    gc: { intervalMs: env.GC_INTERVAL_MS, graceMs: env.GC_GRACE_MS },
    sandbox: {
      mode: env.SANDBOX,
      network: env.SANDBOX_NETWORK,
      proxyAllow: env.SANDBOX_PROXY_ALLOW,
      limits: {
        maxProcesses: env.SANDBOX_MAX_PROCESSES,
        maxFileBytes: env.SANDBOX_MAX_FILE_BYTES,
        maxMemoryBytes: env.SANDBOX_MAX_MEMORY_BYTES,
      },
    },
    workspace: {
      maxBytes: env.WORKSPACE_MAX_BYTES,
      maxFiles: env.WORKSPACE_MAX_FILES,
      excludes: env.WORKSPACE_EXCLUDES,
      gitAllowedUrls: env.GIT_ALLOWED_URLS,
      gitCloneTimeoutMs: env.GIT_CLONE_TIMEOUT_MS,
    },
    logLevel: env.LOG_LEVEL,
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

/** An empty variable (`FOO=`) means unset, as in most deployment tooling. */
function blankToUndefined(source: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const value = source[key];
    out[key] = value === undefined || value.trim() === '' ? undefined : value;
  }
  return out;
}

/** Names the variable and the problem, never the value (it may be a secret). */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`).join('; ');
}
