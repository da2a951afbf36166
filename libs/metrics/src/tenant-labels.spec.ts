import { OTHER_TENANT, TenantLabels } from './tenant-labels';

describe('TenantLabels.fromConfig', () => {
  const limits = (names: string[]) => ({
    defaults: {} as never,
    tenants: Object.fromEntries(names.map((n) => [n, {} as never])),
  });

  it('knows the keyed tenants and those TENANT_LIMITS names', () => {
    const labels = TenantLabels.fromConfig({
      http: { apiKeys: [{ tenant: 'acme', key: 'k'.repeat(16) }] } as never,
      tenantLimits: limits(['globex']),
    });
    expect(labels.all.sort()).toEqual(['acme', 'globex']);
    expect(labels.of('acme')).toBe('acme');
    expect(labels.of('local')).toBe(OTHER_TENANT);
  });

  it('knows `local` when auth is off', () => {
    const labels = TenantLabels.fromConfig({
      http: { apiKeys: [] } as never,
      tenantLimits: limits([]),
    });
    expect(labels.all).toEqual(['local']);
  });
});
