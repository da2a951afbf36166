/*
 * Lua scripts of the tenant quota ledger (TenantQuotaStore). The tenant's live-session set and
 * queued-turn set share the hash tag `{<tenant>}`, so one script checks and admits into both on
 * a Redis Cluster too. Scores are admission times in µs of the Redis server's own clock (TIME),
 * so gateways with skewed clocks agree, and every admission gives a member a new score: a
 * removal conditioned on the score it was decided on cannot undo a later admission.
 */

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
`;

/**
 * KEYS[1]=live set, KEYS[2]=queued-turn set. ARGV: session id ('' = no live admission), mode
 * ('check': a new live session needs a free slot; 'force': it is live already, count it), live
 * max, queued member ('' = none), queued max. Returns {'ok', live, queued, token, 1 when the
 * session took a new slot} or {quota name, live, queued} with nothing changed.
 */
export const ADMIT = `${NOW}
local live = redis.call('ZCARD', KEYS[1])
local queued = redis.call('ZCARD', KEYS[2])
local newLive = ARGV[1] ~= '' and not redis.call('ZSCORE', KEYS[1], ARGV[1])
if newLive and ARGV[2] == 'check' and live >= tonumber(ARGV[3]) then
  return {'maxSessions', live, queued}
end
if ARGV[4] ~= '' and queued >= tonumber(ARGV[5]) then
  return {'maxQueuedTurns', live, queued}
end
local token = string.format('%.0f', now)
if ARGV[1] ~= '' then redis.call('ZADD', KEYS[1], token, ARGV[1]) end
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], token, ARGV[4]) end
if newLive then live = live + 1 end
if ARGV[4] ~= '' then queued = queued + 1 end
return {'ok', live, queued, token, newLive and 1 or 0}
`;

/**
 * Removes members whose score is still the one the caller decided on, and that are at least as
 * old as asked. KEYS[1]=a ledger set. ARGV: triples of member, score, minimum age in µs.
 */
export const RELEASE_IF = `${NOW}
local removed = 0
for i = 1, #ARGV, 3 do
  local s = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if s and tonumber(s) == tonumber(ARGV[i + 1]) and now - tonumber(s) >= tonumber(ARGV[i + 2]) then
    removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return removed
`;

/**
 * A reserved queued turn gets its number: KEYS[1]=queued-turn set. ARGV: reservation, member.
 * Keeps the reservation's score (a reservation already reconciled away is counted again).
 */
export const BIND_TURN = `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  ${NOW}
  s = string.format('%.0f', now)
end
redis.call('ZADD', KEYS[1], s, ARGV[2])
return 1
`;

/**
 * Records on the session hash the newest admission that made it live (KEYS[1]=session hash,
 * ARGV[1]=token): a session that is no longer live and carries the token its live-set entry
 * has was admitted by nothing since, so the entry can go at once.
 */
export const MARK_LIVE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local current = tonumber(redis.call('HGET', KEYS[1], 'liveAdmission') or '0')
if tonumber(ARGV[1]) > current then redis.call('HSET', KEYS[1], 'liveAdmission', ARGV[1]) end
return 1
`;
