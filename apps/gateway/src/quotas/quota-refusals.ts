import { QuotaExceeded, type SessionStatus } from '@app/contracts';
import { formatBytes } from '@app/workspace';

/*
 * The refusals of each quota, worded once: the quota, its limit, the tenant's use, and what to
 * do (or when to retry). Tools answer them as tool errors; HTTP as 429.
 */

export function maxSessionsReached(
  tenant: string,
  used: number,
  limit: number,
  waking?: { sessionId: string; status: SessionStatus },
): QuotaExceeded {
  const why = waking
    ? `session ${waking.sessionId} is ${waking.status} and waking it takes a slot: `
    : '';
  return new QuotaExceeded(
    { quota: 'maxSessions', tenant, limit, used },
    `${tenant} has ${used} live sessions (queued, running, waiting or idle), the most maxSessions ` +
      `allows (${limit}): ${why}terminate one (session_terminate) or wait for idle ones to ` +
      `hibernate, then ${waking ? 'send again' : 'start again'}`,
  );
}

export function maxQueuedTurnsReached(tenant: string, used: number, limit: number): QuotaExceeded {
  return new QuotaExceeded(
    { quota: 'maxQueuedTurns', tenant, limit, used },
    `${tenant} has ${used} turns queued and not started, the most maxQueuedTurns allows ` +
      `(${limit}): retry once some have started (session_status shows a session running), or ` +
      'drop queued turns (session_interrupt)',
  );
}

/** `used`: requests counted this minute; 0 when a replica refused from memory without counting. */
export function requestRateReached(
  tenant: string,
  used: number,
  limit: number,
  retryAfterSeconds: number,
): QuotaExceeded {
  const made = used > limit ? String(used) : `more than ${limit}`;
  return new QuotaExceeded(
    {
      quota: 'requestsPerMinute',
      tenant,
      limit,
      used: used > limit ? used : undefined,
      retryAfterSeconds,
    },
    `Too Many Requests: ${tenant} has made ${made} requests this minute, over what ` +
      `requestsPerMinute allows (${limit}): retry after ${retryAfterSeconds} s`,
  );
}

/** A seed over the tenant's workspaceBytes (`detail`: what the seed check found, its size so far). */
export function workspaceBytesExceeded(
  tenant: string,
  limit: number,
  detail: string,
): QuotaExceeded {
  return new QuotaExceeded(
    { quota: 'workspaceBytes', tenant, limit },
    `workspace: ${tenant}'s workspaceBytes quota is ${formatBytes(limit)} and this seed is ` +
      `larger (${detail}): send a smaller workspace, or ask the operator to raise workspaceBytes`,
  );
}
