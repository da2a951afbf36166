import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EnvSchema } from '@app/config/config.schema';
import { renderKustomization } from './kustomize';
import { ROOT, composeEnvironment, k8sEnvironment, readCompose } from './manifests';

/**
 * Every variable the apps read is documented in README's configuration table and set by both
 * deployments, or deliberately left to its default (below, with why). Config is read in one
 * place, the validated schema of libs/config; a source scan makes sure nothing bypasses it.
 */

/** Not set in docker-compose.yml nor k8s/: the apps' defaults are what a deployment wants. */
const LEFT_TO_DEFAULT = new Set([
  // Operator's choices with no sensible shared value: none, or discovered at start-up.
  'REDIS_KEY_PREFIX', // only for deployments sharing one Redis
  'CLAUDE_BIN', // the image's own CLI, found in node_modules/.bin
  'ANTHROPIC_BASE_URL', // the real API
  'TENANT_LIMITS', // per tenant; the default caps each tenant at 100 USD a day
  'WEBHOOKS', // per tenant; tenants can set their own with webhook_set
  'SANDBOX_PROXY_ALLOW', // no host beyond the API unless the operator opens one
  'CLAUDE_MANAGED_SETTINGS',
  'CLAUDE_ENV_PASSTHROUGH', // for test stand-ins, never in production
  'WORKSPACE_EXCLUDES',
  // Security settings whose default is the safe one: setting them invites weakening them.
  'CLAUDE_SETTING_SOURCES',
  'CLAUDE_STRICT_MCP_CONFIG',
  'ADMIN_QUEUES_WRITABLE', // the queue dashboard stays read-only unless an operator repairs
  'ADMIN_SESSIONS_WRITABLE', // operators read every tenant's sessions; changing them is opt-in
  'SANDBOX_UID_BASE',
  'WEBHOOK_ALLOWED_URLS', // public https only
  // Limits and tuning measured in docs/benchmarks.md and docs/security.md.
  'SANDBOX_MAX_PROCESSES',
  'SANDBOX_MAX_FILE_BYTES',
  'SANDBOX_MAX_DISK_BYTES',
  'WORKSPACE_MAX_FILES',
  'GIT_CLONE_TIMEOUT_MS',
  'CLAUDE_INACTIVITY_TIMEOUT_MS',
  'CLAUDE_MAX_LINE_BYTES',
  'CLAUDE_STDERR_BYTES',
  'EVENT_BUFFER_EVENTS',
  'EVENT_APPEND_LINGER_MS',
  'EVENT_STREAM_MAXLEN',
  'GC_INTERVAL_MS',
  'GC_GRACE_MS',
  // Traces: off unless the operator has a collector (none ships with the manifests); the
  // OpenTelemetry defaults otherwise.
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_TRACES_EXPORTER',
  'OTEL_SERVICE_NAME',
  'OTEL_BSP_SCHEDULE_DELAY',
  // Webhook retry schedule: 8 tries over about an hour, as Standard Webhooks senders do.
  'WEBHOOK_ATTEMPTS',
  'WEBHOOK_BACKOFF_MS',
]);

/** `process.env.X` / `process.env['X']` in the apps' own code (tests and test support aside). */
function scanProcessEnv(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return ['node_modules', 'spec', 'testing'].includes(entry.name) ? [] : scanProcessEnv(path);
    }
    if (!entry.name.endsWith('.ts') || /\.(spec|test)\.ts$/.test(entry.name)) return [];
    const source = readFileSync(path, 'utf8');
    return [...source.matchAll(/process\.env(?:\.(\w+)|\[['"](\w+)['"]\])/g)].map(
      (m) => `${m[1] ?? m[2]} (${relative(ROOT, path)})`,
    );
  });
}

/** Backticked names in the first column of README's "Configuration" table. */
function readmeVariables(): Set<string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const table = section.slice(0, section.indexOf('\n## '));
  const firstColumns = table.split('\n').flatMap((line) => /^\|([^|]*)\|/.exec(line)?.[1] ?? []);
  return new Set(firstColumns.flatMap((cell) => cell.match(/[A-Z][A-Z0-9_]+/g) ?? []));
}

const read = Object.keys(EnvSchema.shape).sort();
const deployments = {
  'docker-compose.yml': composeEnvironment(readCompose()),
  'k8s/overlays/example': k8sEnvironment(renderKustomization(join(ROOT, 'k8s/overlays/example'))),
};

describe('environment variables', () => {
  it('are read only through the validated config schema', () => {
    const scanned = [...scanProcessEnv(join(ROOT, 'apps')), ...scanProcessEnv(join(ROOT, 'libs'))];
    expect(scanned.filter((hit) => !read.includes(hit.split(' ')[0]))).toEqual([]);
    expect(read.length).toBeGreaterThan(40);
  });

  it("are all documented in README's configuration table", () => {
    const documented = readmeVariables();
    expect(read.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('leave to default only variables the apps read', () => {
    expect([...LEFT_TO_DEFAULT].filter((name) => !read.includes(name))).toEqual([]);
  });

  it('are sized the same way in docker-compose.yml and k8s/', () => {
    const sizing = ['WORKER_DRAIN_MS', 'WORKER_CONCURRENCY', 'SANDBOX_MAX_MEMORY_BYTES'];
    const [compose, k8s] = Object.values(deployments);
    expect(sizing.map((name) => compose.get(name))).toEqual(sizing.map((name) => k8s.get(name)));
  });

  describe.each(Object.entries(deployments))('%s', (_, env) => {
    it('sets every variable the apps read unless it is left to default on purpose', () => {
      const missing = read.filter((name) => !env.has(name) && !LEFT_TO_DEFAULT.has(name));
      expect(missing).toEqual([]);
    });

    it('sets no variable the apps do not read, and none it leaves to default', () => {
      const unknown = [...env.keys()].filter((name) => !read.includes(name));
      expect(unknown).toEqual([]);
      expect([...env.keys()].filter((name) => LEFT_TO_DEFAULT.has(name))).toEqual([]);
    });
  });
});
