import { bearerToken, TenantKeyring } from './tenant-keyring';

describe('TenantKeyring', () => {
  const keyring = new TenantKeyring([
    { tenant: 'acme', key: 'acme-key-0123456789abcdef' },
    { tenant: 'globex', key: 'globex-key-0123456789abcdef' },
  ]);

  it('maps each key to its tenant', () => {
    expect(keyring.tenantFor('acme-key-0123456789abcdef')).toBe('acme');
    expect(keyring.tenantFor('globex-key-0123456789abcdef')).toBe('globex');
  });

  it('knows no tenant for a wrong key, a prefix, a longer key or an empty one', () => {
    for (const token of [
      'acme-key-0123456789abcdeX',
      'acme-key',
      'acme-key-0123456789abcdef0',
      '',
    ]) {
      expect(keyring.tenantFor(token)).toBeUndefined();
    }
  });

  it('is empty without keys (the no-key, loopback-only mode)', () => {
    expect(new TenantKeyring([]).size).toBe(0);
    expect(new TenantKeyring([]).tenantFor('anything')).toBeUndefined();
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer header, whatever the scheme case', () => {
    expect(bearerToken('Bearer abc.DEF-123_~+/=')).toBe('abc.DEF-123_~+/=');
    expect(bearerToken('bearer abc')).toBe('abc');
  });

  it('finds no token in other schemes or malformed headers', () => {
    for (const header of [
      undefined,
      '',
      'Basic YWJjOmRlZg==',
      'Bearer',
      'Bearer a b',
      'Bearerabc',
    ]) {
      expect(bearerToken(header)).toBeUndefined();
    }
  });
});
