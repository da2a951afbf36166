import { CheckpointNotFound } from '@app/checkpoint';
import { InvalidRequest, QuotaExceeded } from '@app/contracts';
import { ApprovalAlreadyAnswered, SessionClosed, SessionNotFound } from '@app/sessions';
import { BudgetExceeded } from '@app/usage';
import { WorkspacePathInvalid, WorkspacePathNotFound } from '@app/workspace';
import { apiErrorOf } from './error-status';

const hints = { sessionIdleMs: 90_500 };

describe('apiErrorOf', () => {
  it.each([
    { error: new SessionNotFound('s1'), status: 404 },
    { error: new CheckpointNotFound('acme', 'c1'), status: 404 },
    { error: new WorkspacePathNotFound('a.txt'), status: 404 },
    { error: new SessionClosed('s1', 'terminated'), status: 409 },
    { error: new ApprovalAlreadyAnswered('r1', 'allow', 'client'), status: 409 },
    { error: new InvalidRequest('workspace and checkpointId cannot be combined'), status: 400 },
    { error: new WorkspacePathInvalid('../x', 'leaves the workspace'), status: 400 },
  ])(
    'answers $error.name with $status, its name as the code, its message unchanged',
    ({ error, status }) => {
      const answer = apiErrorOf(error, hints);
      expect(answer.status).toBe(status);
      expect(answer.body).toEqual({ error: { code: error.name, message: error.message } });
    },
  );

  it('answers a spent budget 402: waiting does not help', () => {
    const breach = { scope: 'session', budget: 'usd', limit: 1, used: 1.2 } as const;
    const answer = apiErrorOf(new BudgetExceeded(breach, { tenant: 'acme', now: 0 }), hints);
    expect([answer.status, answer.code]).toEqual([402, 'BudgetExceeded']);
  });

  it('answers quotas 429 with Retry-After: the rate’s own, else when a slot may free up', () => {
    const quota = (use: ConstructorParameters<typeof QuotaExceeded>[0]) =>
      apiErrorOf(new QuotaExceeded(use, 'over'), hints);
    const rate = quota({
      quota: 'requestsPerMinute',
      tenant: 't',
      limit: 5,
      retryAfterSeconds: 17,
    });
    expect([rate.status, rate.extra.headers]).toEqual([429, { 'Retry-After': '17' }]);
    expect(rate.body.error.quota).toMatchObject({ quota: 'requestsPerMinute', limit: 5 });
    const sessions = quota({ quota: 'maxSessions', tenant: 't', limit: 2, used: 2 });
    expect(sessions.extra.headers).toEqual({ 'Retry-After': '91' });
    const turns = quota({ quota: 'maxQueuedTurns', tenant: 't', limit: 2, used: 2 });
    expect(turns.extra.headers).toEqual({ 'Retry-After': '1' });
    const seed = quota({ quota: 'workspaceBytes', tenant: 't', limit: 10 });
    expect([seed.status, seed.extra.headers]).toEqual([413, undefined]);
  });

  it('answers a server fault 500 without its details', () => {
    const answer = apiErrorOf(new Error('unexpected token in /srv/data/10.0.0.7/manifest'), hints);
    expect(answer.status).toBe(500);
    expect(answer.message).not.toContain('10.0.0.7');
  });
});
