import { cliEnvironment, HEADLESS_DEFAULTS } from './environment';

describe('cliEnvironment', () => {
  const worker = {
    PATH: '/usr/bin',
    HOME: '/home/w',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    ANTHROPIC_API_KEY: 'sk-test',
    ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://proxy:3128',
    REDIS_URL: 'redis://:secret@redis:6379',
    S3_SECRET_ACCESS_KEY: 'shh',
    MCP_API_KEYS: 'acme:0123456789abcdef',
    NODE_OPTIONS: '--require /tmp/evil.js',
    CLAUDECODE: '1',
    UNSET: undefined,
  };

  it('keeps only allow-listed variables and never the worker secrets', () => {
    const env = cliEnvironment(worker);
    expect(env).toMatchObject({
      PATH: '/usr/bin',
      HOME: '/home/w',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      ANTHROPIC_API_KEY: 'sk-test',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
      HTTPS_PROXY: 'http://proxy:3128',
    });
    for (const name of [
      'REDIS_URL',
      'S3_SECRET_ACCESS_KEY',
      'MCP_API_KEYS',
      'NODE_OPTIONS',
      'CLAUDECODE',
      'UNSET',
    ]) {
      expect(env).not.toHaveProperty(name);
    }
  });

  it('adds the headless defaults, and trusted overrides win', () => {
    const env = cliEnvironment(
      { PATH: '/bin' },
      { HOME: '/sessions/1/home', DISABLE_TELEMETRY: '0' },
    );
    for (const [k, v] of Object.entries(HEADLESS_DEFAULTS)) {
      if (k !== 'DISABLE_TELEMETRY') expect(env[k]).toBe(v);
    }
    expect(env.HOME).toBe('/sessions/1/home');
    expect(env.DISABLE_TELEMETRY).toBe('0');
  });
});
