import { loadConfig } from './app-config';

const TENANT_KEY = 'acme-key-0123456789abcdef';
const base = { MCP_API_KEYS: `acme:${TENANT_KEY}` };

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('ADMIN_API_KEYS', () => {
  it('is off by default, read-only by default', () => {
    expect(loadConfig({}).admin).toEqual({
      apiKeys: [],
      queuesWritable: false,
      sessionsWritable: false,
    });
  });

  it('takes comma-separated keys of 16+ characters', () => {
    const config = loadConfig({
      ...base,
      ADMIN_API_KEYS: 'ops-key-0123456789abcdef, ops-key-2-0123456789abcdef',
      ADMIN_QUEUES_WRITABLE: 'true',
      ADMIN_SESSIONS_WRITABLE: 'true',
    });
    expect(config.admin).toEqual({
      apiKeys: ['ops-key-0123456789abcdef', 'ops-key-2-0123456789abcdef'],
      queuesWritable: true,
      sessionsWritable: true,
    });
  });

  it.each([
    ['a short key', 'short-key'],
    ['a placeholder', 'replace-with-an-operator-key'],
    ['a tenant key', TENANT_KEY],
    ['a key that contains a tenant key', `x${TENANT_KEY}x`],
  ])('refuses %s, naming the variable and never the key', (_, key) => {
    const message = refusal({ ...base, ADMIN_API_KEYS: key });
    expect(message).toContain('ADMIN_API_KEYS');
    expect(message).not.toContain(key);
  });

  it('names the tenant whose key an operator key holds', () => {
    expect(refusal({ ...base, ADMIN_API_KEYS: `ops-${TENANT_KEY}` })).toContain('tenant acme');
  });
});
