import Ajv, { type ErrorObject } from 'ajv';
import composeSpec from './compose-spec.json';
import { readCompose, type ComposeFile } from './manifests';

/**
 * docker-compose.yml against the Compose specification's JSON schema (the one `docker compose
 * config` validates with), vendored from compose-spec/compose-spec at 170098ba (2026-06-23):
 * https://github.com/compose-spec/compose-spec/blob/170098ba07d9f53c383a41bfd4c5166b0a4529a6/schema/compose-spec.json
 * reformatted by prettier, content unchanged. It uses union types and names its draft by an
 * https URL ajv does not know: compiled neither strict nor meta-validated.
 */
const validateCompose = new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile(
  composeSpec,
);

/** `/services/worker/deploy: must NOT have additional properties (replica)` per error. */
function composeErrors(file: unknown): string[] {
  if (validateCompose(file)) return [];
  return (validateCompose.errors ?? []).map((e: ErrorObject) => {
    const extra = (e.params as { additionalProperty?: string }).additionalProperty;
    return `${e.instancePath}: ${e.message}${extra ? ` (${extra})` : ''}`;
  });
}

type Service = {
  command?: string[];
  deploy?: { replicas?: number };
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
};

describe('docker-compose.yml', () => {
  const compose = readCompose();
  const services = compose.services as Record<string, Service>;

  it('follows the Compose specification', () => {
    expect(composeErrors(compose)).toEqual([]);
  });

  it('is refused when broken, with the field named', () => {
    const broken = structuredClone(compose) as ComposeFile;
    (broken.services.worker.deploy as Record<string, unknown>).replica = 2;
    (broken.services.redis.healthcheck as Record<string, unknown>).interval = 5;
    expect(composeErrors(broken)).toEqual([
      '/services/redis/healthcheck/interval: must be string',
      '/services/worker/deploy: must NOT have additional properties (replica)',
    ]);
  });

  it('runs Redis append-only, MinIO with its bucket, a gateway and two workers', () => {
    expect(services.redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(services.redis.command).toEqual(
      expect.arrayContaining(['--maxmemory-policy', 'noeviction']),
    );
    expect(services.worker.deploy?.replicas).toBe(2);
    for (const app of ['gateway', 'worker']) {
      expect(services[app].depends_on).toEqual({
        redis: { condition: 'service_healthy' },
        'minio-bucket': { condition: 'service_completed_successfully' },
      });
    }
    expect(services['minio-bucket'].depends_on).toEqual({
      minio: { condition: 'service_healthy' },
    });
  });

  it('health-checks every long-running service', () => {
    const running = Object.keys(services).filter((name) => name !== 'minio-bucket');
    expect(running.filter((name) => !services[name].healthcheck)).toEqual([]);
    expect(JSON.stringify(services.gateway.healthcheck)).toContain(':3000/readyz');
    expect(JSON.stringify(services.worker.healthcheck)).toContain(':3001/readyz');
  });

  it('ships no default for a credential: Compose stops until the operator sets it', () => {
    const secrets = ['MCP_API_KEYS', 'S3_SECRET_ACCESS_KEY'];
    for (const name of secrets) {
      expect(services.gateway.environment?.[name]).toMatch(new RegExp(`^\\$\\{${name}:\\?`));
    }
    expect(services.worker.environment?.ANTHROPIC_API_KEY).toBe('${ANTHROPIC_API_KEY:-}');
    expect(JSON.stringify(compose)).not.toMatch(/minio-secret-key|minioadmin/);
  });
});
