import { randomUUID } from 'node:crypto';
import { ClientError } from '@app/contracts';
import {
  BudgetExceeded,
  breachOf,
  describeBreach,
  hasCaps,
  nextUtcDay,
  totalTokens,
} from './budgets';

const none = { sessionUsd: 0, sessionTokens: 0, tenantUsdToday: 0 };
const NOW = Date.UTC(2026, 11, 6, 15, 30);

describe('budgets', () => {
  it('finds the first cap reached, the session’s before the tenant’s', () => {
    expect(breachOf({}, { sessionUsd: 1e9, sessionTokens: 1e9, tenantUsdToday: 1e9 })).toBe(
      undefined,
    );
    expect(breachOf({ sessionUsd: 1, tenantUsdPerDay: null }, none)).toBeUndefined();
    expect(breachOf({ sessionUsd: 1 }, { ...none, sessionUsd: 0.99 })).toBeUndefined();
    // Reaching a cap is enough: a turn that would start at exactly the cap is refused.
    expect(breachOf({ sessionUsd: 1 }, { ...none, sessionUsd: 1 })).toEqual({
      scope: 'session',
      budget: 'usd',
      limit: 1,
      used: 1,
    });
    expect(
      breachOf(
        { sessionTokens: 100, tenantUsdPerDay: 5 },
        { sessionUsd: 0, sessionTokens: 150, tenantUsdToday: 6 },
      ),
    ).toMatchObject({ scope: 'session', budget: 'tokens', used: 150 });
    expect(breachOf({ tenantUsdPerDay: 5 }, { ...none, tenantUsdToday: 6 })).toMatchObject({
      scope: 'tenant',
      budget: 'usd',
      limit: 5,
    });
  });

  it('counts tokens of every kind', () => {
    expect(
      totalTokens({
        input_tokens: 1,
        output_tokens: 2,
        cache_creation_input_tokens: 3,
        cache_read_input_tokens: 4,
      }),
    ).toBe(10);
    expect(hasCaps({ tenantUsdPerDay: null })).toBe(false);
    expect(hasCaps({ sessionTokens: 1 })).toBe(true);
  });

  it('says which budget, how much was used of it, and what to do', () => {
    const where = { tenant: 'acme', now: NOW };
    expect(
      describeBreach({ scope: 'session', budget: 'tokens', limit: 500, used: 812 }, where),
    ).toBe(
      'the session has used 812 tokens of its budgetTokens 500: send the message with ' +
        'session_send { budgetTokens: <more than 812> } to raise the budget and go on',
    );
    expect(
      describeBreach({ scope: 'session', budget: 'usd', limit: 0.5, used: 0.61 }, where),
    ).toMatch(
      /cost \$0\.6100 of its budgetUsd \$0\.5000: .*session_send \{ budgetUsd: <more than 0\.6100> \}/,
    );
    const tenant = describeBreach(
      { scope: 'tenant', budget: 'usd', limit: 0.01, used: 0.014 },
      where,
    );
    expect(tenant).toContain('tenant acme has spent $0.0140 today of its daily budget $0.0100');
    expect(tenant).toContain('until the day ends at 2026-12-07T00:00:00.000Z');
    expect(nextUtcDay(Date.UTC(2026, 11, 31, 23, 59))).toBe(Date.UTC(2027, 0, 1));
  });

  it('refuses as a client error whose message leads with what happened', () => {
    const error = new BudgetExceeded(
      { scope: 'session', budget: 'usd', limit: 1, used: 2 },
      { tenant: randomUUID(), now: NOW },
    );
    expect(error).toBeInstanceOf(ClientError);
    expect(error.message).toMatch(/^Budget exceeded: the session has cost \$2\.0000/);
  });
});
