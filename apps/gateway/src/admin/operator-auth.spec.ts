import { basicPassword, crossSiteWrite, OperatorKeys } from './operator-auth';

const ADMIN = 'operator-key-0123456789abcdef';
const TENANT = 'acme-key-0123456789abcdef';
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('OperatorKeys', () => {
  const keys = new OperatorKeys([ADMIN], [{ tenant: 'acme', key: TENANT }]);

  it('lets an operator key in as a bearer token or as a Basic password (any user name)', () => {
    expect(keys.access(`Bearer ${ADMIN}`)).toEqual({ allowed: true });
    expect(keys.access(basic('anyone', ADMIN))).toEqual({ allowed: true });
    expect(keys.access(basic('', ADMIN))).toEqual({ allowed: true });
  });

  it('answers 401 without a key and for an unknown key, 403 for a tenant key', () => {
    expect(keys.access(undefined)).toMatchObject({ status: 401, reason: 'missing' });
    expect(keys.access('Bearer')).toMatchObject({ status: 401, reason: 'missing' });
    expect(keys.access(`Bearer ${ADMIN}x`)).toMatchObject({ status: 401, reason: 'invalid' });
    expect(keys.access(`Bearer ${TENANT}`)).toMatchObject({ status: 403, reason: 'tenant_key' });
    expect(keys.access(basic('ops', TENANT))).toMatchObject({ status: 403 });
  });
});

describe('basicPassword', () => {
  it('reads the password after the first colon (passwords may hold colons)', () => {
    expect(basicPassword(basic('u', 'a:b:c'))).toBe('a:b:c');
  });

  it('finds none without a colon, with an empty password or in another scheme', () => {
    expect(basicPassword(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
    expect(basicPassword(basic('u', ''))).toBeUndefined();
    expect(basicPassword(`Bearer ${ADMIN}`)).toBeUndefined();
    expect(basicPassword(undefined)).toBeUndefined();
  });
});

describe('crossSiteWrite', () => {
  const host = '127.0.0.1:3000';

  it('lets reads through from anywhere', () => {
    expect(crossSiteWrite('GET', { host, origin: 'https://evil.example' })).toBe(false);
  });

  it("takes changes from the dashboard's own page or from non-browser clients", () => {
    expect(crossSiteWrite('PUT', { host, origin: `http://${host}` })).toBe(false);
    expect(crossSiteWrite('POST', { host, 'sec-fetch-site': 'same-origin' })).toBe(false);
    expect(crossSiteWrite('POST', { host })).toBe(false);
  });

  it('refuses changes another site sends', () => {
    expect(crossSiteWrite('POST', { host, origin: 'https://evil.example' })).toBe(true);
    expect(crossSiteWrite('PUT', { host, 'sec-fetch-site': 'cross-site' })).toBe(true);
    expect(crossSiteWrite('PATCH', { host, origin: 'null' })).toBe(true);
  });
});
