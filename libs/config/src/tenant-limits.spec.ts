import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './app-config';
import { DEFAULT_TENANT_LIMITS, limitsOf } from './tenant-limits';

describe('TENANT_LIMITS', () => {
  it('gives every tenant the defaults when unset', () => {
    const { tenantLimits } = loadConfig({});
    expect(limitsOf(tenantLimits, 'acme')).toEqual(DEFAULT_TENANT_LIMITS);
  });

  it('"*" changes the defaults; a named tenant changes only what it names', () => {
    const { tenantLimits } = loadConfig({
      TENANT_LIMITS: JSON.stringify({
        '*': { maxSessions: 10, budgetUsdPerDay: null },
        acme: { maxQueuedTurns: 5 },
      }),
    });
    expect(limitsOf(tenantLimits, 'globex')).toEqual({
      ...DEFAULT_TENANT_LIMITS,
      maxSessions: 10,
      budgetUsdPerDay: null,
    });
    expect(limitsOf(tenantLimits, 'acme')).toEqual({
      ...DEFAULT_TENANT_LIMITS,
      maxSessions: 10,
      budgetUsdPerDay: null,
      maxQueuedTurns: 5,
    });
  });

  it('reads a file when given a path', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'limits-')), 'limits.json');
    writeFileSync(file, JSON.stringify({ acme: { requestsPerMinute: 60 } }));
    const { tenantLimits } = loadConfig({ TENANT_LIMITS: file });
    expect(limitsOf(tenantLimits, 'acme').requestsPerMinute).toBe(60);
  });

  it.each([
    ['{"acme": {"maxSessions": 0}}', /TENANT_LIMITS: acme\.maxSessions: .*>0|too small/i],
    ['{"acme": {"maxSesions": 3}}', /TENANT_LIMITS: acme: Unrecognized key.*maxSesions/],
    ['{"bad tenant": {}}', /TENANT_LIMITS: bad tenant: a tenant name/],
    ['{"acme": ', /TENANT_LIMITS: not valid JSON/],
    ['/nonexistent/limits.json', /TENANT_LIMITS: neither JSON nor a readable file \(ENOENT\)/],
  ])('refuses %s at start-up, naming the problem', (value, message) => {
    expect(() => loadConfig({ TENANT_LIMITS: value })).toThrow(message);
  });
});
