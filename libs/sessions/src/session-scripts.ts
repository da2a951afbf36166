/*
 * Lua scripts for the session hash: each reads the status and changes it in one step, so two
 * gateways or workers racing on one session can never both win an illegal change.
 */

/** KEYS[1]=session hash. ARGV: to, allowed-from CSV, now, then field/value pairs to set. */
export const TRANSITION = `
local cur = redis.call('HGET', KEYS[1], 'status')
if not cur then return {'missing', ''} end
if not string.find(',' .. ARGV[2] .. ',', ',' .. cur .. ',', 1, true) then return {'illegal', cur} end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updatedAt', ARGV[3])
if #ARGV > 3 then redis.call('HSET', KEYS[1], unpack(ARGV, 4)) end
return {'ok', cur}
`;

/**
 * A new turn: KEYS[1]=session hash. ARGV: tenant, now, statuses that re-queue (CSV),
 * statuses that refuse (CSV). Returns {'ok', turn, previous status} or {'missing'|'closed', status}.
 */
export const NEXT_TURN = `
local s = redis.call('HMGET', KEYS[1], 'status', 'tenant')
if not s[1] or s[2] ~= ARGV[1] then return {'missing', ''} end
if string.find(',' .. ARGV[4] .. ',', ',' .. s[1] .. ',', 1, true) then return {'closed', s[1]} end
local turn = redis.call('HINCRBY', KEYS[1], 'turns', 1)
if string.find(',' .. ARGV[3] .. ',', ',' .. s[1] .. ',', 1, true) then
  redis.call('HSET', KEYS[1], 'status', 'queued')
end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[2])
return {'ok', tostring(turn), s[1]}
`;

/**
 * A turn's result: KEYS[1]=session hash. ARGV: now, input, output, cache creation, cache read,
 * cost, claude session id ('' = keep). Sums usage, counts the completed turn.
 */
export const RECORD_RESULT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'completedTurns', 1)
redis.call('HINCRBY', KEYS[1], 'usageInput', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'usageOutput', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'usageCacheCreation', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'usageCacheRead', ARGV[5])
redis.call('HINCRBYFLOAT', KEYS[1], 'costUsd', ARGV[6])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'claudeSessionId', ARGV[7]) end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[1])
return 1
`;

/** A lease's holder lets go: KEYS[1]=lease. ARGV: holder. Only the holder's own lease goes. */
export const LEASE_RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Takes or keeps a lease: KEYS[1]=lease. ARGV: holder, ttl ms. 1 when the holder has it now (it
 * was free, or already its own and now renewed); 0 when another holder has it.
 */
export const LEASE_KEEP = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;
