import { loadConfig } from './app-config';
import { ConfigInvalid } from './errors';

describe('loadConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({ port: 3000, host: '127.0.0.1', apiKeys: [], drainMs: 10_000 });
    expect(config.redis.url).toBeUndefined();
    expect(config.storage).toEqual({ dataDir: './.data', s3: undefined });
    expect(config.worker.sessionIdleMs).toBe(60_000);
    expect(config.sandbox).toMatchObject({
      network: 'proxy',
      networkExplicit: false,
      limits: {
        maxProcesses: 512,
        maxFileBytes: 1024 ** 3,
        maxMemoryBytes: 2 * 1024 ** 3,
        maxDiskBytes: 4 * 1024 ** 3,
      },
      uidBase: 60_000,
    });
    expect(config.workspace).toEqual({
      maxBytes: 1024 ** 3,
      maxFiles: 100_000,
      excludes: [],
      gitAllowedUrls: ['https://'],
      gitCloneTimeoutMs: 120_000,
    });
    expect(config.claude.settingSources).toBe('user');
    expect(config.claude.strictMcpConfig).toBe(true);
  });

  it('parses tenants, S3 and numbers', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      MCP_API_KEYS: 'acme:0123456789abcdef, globex:fedcba9876543210',
      S3_BUCKET: 'ckpt',
      S3_ENDPOINT: 'http://minio:9000',
      S3_FORCE_PATH_STYLE: 'false',
      WORKER_CONCURRENCY: '4',
      GIT_ALLOWED_URLS: 'https://github.com/, file://',
    });
    expect(config.http.apiKeys).toEqual([
      { tenant: 'acme', key: '0123456789abcdef' },
      { tenant: 'globex', key: 'fedcba9876543210' },
    ]);
    expect(config.storage.s3).toMatchObject({ bucket: 'ckpt', forcePathStyle: false });
    expect(config.worker.concurrency).toBe(4);
    expect(config.workspace.gitAllowedUrls).toEqual(['https://github.com/', 'file://']);
  });

  it('tells an explicit SANDBOX_NETWORK from the default', () => {
    expect(loadConfig({ SANDBOX_NETWORK: 'proxy' }).sandbox).toMatchObject({
      network: 'proxy',
      networkExplicit: true,
    });
    expect(loadConfig({ SANDBOX_NETWORK: 'host' }).sandbox.network).toBe('host');
    // Blank is unset, as everywhere: the default, not an explicit choice.
    expect(loadConfig({ SANDBOX_NETWORK: '' }).sandbox.networkExplicit).toBe(false);
  });

  it('asks Redis whether it is a cluster unless REDIS_CLUSTER says', () => {
    expect(loadConfig({}).redis.cluster).toBe('auto');
    expect(loadConfig({ REDIS_CLUSTER: 'true' }).redis.cluster).toBe(true);
    expect(loadConfig({ REDIS_CLUSTER: 'no' }).redis.cluster).toBe(false);
    expect(() => loadConfig({ REDIS_CLUSTER: 'maybe' })).toThrow(/REDIS_CLUSTER/);
  });

  it('shares turns fairly across tenants unless TURN_DISPATCH says fifo', () => {
    expect(loadConfig({}).queue).toEqual({ dispatch: 'fair' });
    expect(loadConfig({ TURN_DISPATCH: 'fifo' }).queue).toEqual({ dispatch: 'fifo' });
    expect(() => loadConfig({ TURN_DISPATCH: 'lifo' })).toThrow(/TURN_DISPATCH/);
  });

  it('treats blank variables as unset', () => {
    expect(loadConfig({ PORT: '', REDIS_URL: ' ' }).http.port).toBe(3000);
  });

  it('names each bad variable without echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', SANDBOX: 'docker', MCP_API_KEYS: 'acme:short-secret' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigInvalid);
    const message = (error as Error).message;
    expect(message).toContain('PORT');
    expect(message).toContain('SANDBOX');
    expect(message).toContain('MCP_API_KEYS');
    expect(message).not.toContain('short-secret');
  });

  it('reads the host variables child processes inherit, and no secrets among them', () => {
    const config = loadConfig({
      PATH: '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      HTTPS_PROXY: 'http://proxy:3128',
      ANTHROPIC_API_KEY: 'sk-secret',
      S3_SECRET_ACCESS_KEY: 's3-secret',
      SOME_TOKEN: 'other-secret',
    });
    expect(config.host.env).toEqual({
      PATH: '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      HTTPS_PROXY: 'http://proxy:3128',
    });
    expect(config.claude.passthrough).toEqual({});
  });

  it('passes through exactly the variables the operator names', () => {
    const config = loadConfig({
      CLAUDE_ENV_PASSTHROUGH: 'CLI_STANDIN_STAMP, MISSING',
      CLI_STANDIN_STAMP: '1',
      OTHER: 'x',
    });
    expect(config.claude.passthrough).toEqual({ CLI_STANDIN_STAMP: '1' });
  });

  it('refuses to serve without keys on a non-loopback address', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/MCP_API_KEYS/);
    expect(loadConfig({ HOST: '::1' }).http.host).toBe('::1');
  });
});
