import { apiTarget, EgressPolicy, parseAllowEntry, parseAuthority } from './egress-policy';
import { EgressAllowInvalid } from './errors';

describe('EgressPolicy', () => {
  it('allows the API host from ANTHROPIC_BASE_URL, with the default port of its scheme', () => {
    expect(apiTarget(undefined)).toEqual({ host: 'api.anthropic.com', port: 443 });
    expect(apiTarget('http://127.0.0.1:4010')).toEqual({ host: '127.0.0.1', port: 4010 });
    expect(apiTarget('http://Gateway.Internal/anthropic')).toEqual({
      host: 'gateway.internal',
      port: 80,
    });
    expect(apiTarget('https://[::1]:8443')).toEqual({ host: '::1', port: 8443 });
  });

  it('matches host names case-insensitively and by port, never by resolving them', () => {
    const policy = EgressPolicy.forApi(undefined, ['registry.npmjs.org', 'pypi.org:8443']);
    expect(policy.describe()).toEqual([
      'api.anthropic.com:443',
      'registry.npmjs.org:443',
      'pypi.org:8443',
    ]);
    expect(policy.allows({ host: 'API.anthropic.com', port: 443 })).toBe(true);
    expect(policy.allows({ host: 'api.anthropic.com.', port: 443 })).toBe(true);
    expect(policy.allows({ host: 'api.anthropic.com', port: 80 })).toBe(false);
    expect(policy.allows({ host: 'pypi.org', port: 443 })).toBe(false);
    expect(policy.allows({ host: 'evil.api.anthropic.com', port: 443 })).toBe(false);
  });

  it('parses CONNECT authorities and refuses anything else', () => {
    expect(parseAuthority('example.com:443')).toEqual({ host: 'example.com', port: 443 });
    expect(parseAuthority('[::1]:6379')).toEqual({ host: '::1', port: 6379 });
    for (const bad of ['example.com', 'a@b:443', 'x:0', 'x:70000', 'http://x:1', '*.x.org:443']) {
      expect(parseAuthority(bad)).toBeUndefined();
    }
  });

  it('refuses allow-list entries that are not host[:port]', () => {
    expect(parseAllowEntry(' github.com ')).toEqual({ host: 'github.com', port: 443 });
    for (const bad of ['https://github.com', '*.github.com', 'github.com/x', 'h:99999']) {
      expect(() => parseAllowEntry(bad)).toThrow(EgressAllowInvalid);
    }
    expect(() => apiTarget('ftp://x')).toThrow(/http:\/\/ or https:\/\//);
  });
});
