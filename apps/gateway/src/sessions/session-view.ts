import type { SessionRecord } from '@app/contracts';

/** How the tools show a session: its figures, with times as ISO strings. */
export function describeSession(r: SessionRecord) {
  return {
    status: r.status,
    turns: r.turns,
    usage: r.usage,
    costUsd: r.costUsd,
    lastCheckpointId: r.lastCheckpointId ?? null,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
    ...(r.lastError ? { lastError: r.lastError } : {}),
    ...(r.stopReason ? { stopReason: r.stopReason } : {}),
    ...(r.options.budgetUsd !== undefined ? { budgetUsd: r.options.budgetUsd } : {}),
    ...(r.options.budgetTokens !== undefined ? { budgetTokens: r.options.budgetTokens } : {}),
  };
}

/** session_start's answer names the session, not the turn (its first, always). */
export function withoutTurn<T extends { turn: number }>({ turn: _turn, ...rest }: T) {
  return rest;
}
