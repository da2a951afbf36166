import { loadConfig } from './app-config';
import { placeholderIn } from './placeholder-secrets';

/** Message of the ConfigInvalid that `env` raises (the test fails when it loads). */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('placeholder secrets', () => {
  it('recognises the template values manifests have shipped', () => {
    expect(placeholderIn('replace-with-a-long-random-key')).toBe('replace-with');
    expect(placeholderIn('REPLACE-ME')).toBe('replace-me');
    expect(placeholderIn('changeme-0123456789')).toBe('changeme');
    expect(placeholderIn('please-Change-Me-now')).toBe('change-me');
    expect(placeholderIn('4f9c2e7a1b3d5f6081a2b3c4d5e6f708')).toBeUndefined();
  });

  it('refuses a placeholder MCP_API_KEYS entry, naming the variable and tenant', () => {
    const message = refusal({
      HOST: '0.0.0.0',
      MCP_API_KEYS: 'acme:0123456789abcdef,tenant-a:replace-with-a-long-random-key',
    });
    expect(message).toContain('MCP_API_KEYS');
    expect(message).toContain('"tenant-a"');
    expect(message).toContain('placeholder');
    expect(message).not.toContain('a-long-random-key');
  });

  it('refuses a placeholder S3_SECRET_ACCESS_KEY', () => {
    const message = refusal({ S3_BUCKET: 'ckpt', S3_SECRET_ACCESS_KEY: 'changeme-please' });
    expect(message).toMatch(/S3_SECRET_ACCESS_KEY: .*placeholder \(contains "changeme"\)/);
  });

  it('accepts real-looking keys and secrets', () => {
    const config = loadConfig({
      MCP_API_KEYS: 'acme:4f9c2e7a1b3d5f60',
      S3_BUCKET: 'ckpt',
      S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY',
    });
    expect(config.http.apiKeys).toEqual([{ tenant: 'acme', key: '4f9c2e7a1b3d5f60' }]);
    expect(config.storage.s3?.secretAccessKey).toBe('wJalrXUtnFEMI/K7MDENG/bPxRfiCY');
  });
});
