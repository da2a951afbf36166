/*
 * Lua scripts for a session's permission prompts. Every key a script touches carries the
 * session's hash tag `{<id>}` (approvals, answers, allowed set), so each runs on one Cluster slot.
 */

/**
 * The first answer to a prompt wins: KEYS[1]=approvals hash, KEYS[2]=answers hash,
 * KEYS[3]=allowed set. ARGV: requestId, answer JSON, decision, answers TTL ms.
 * Returns {'ok', pending JSON}, {'answered', the winning answer JSON} or {'not_pending', ''}.
 * An allow_session answer also remembers the call's signature for the rest of the session.
 */
export const ANSWER_APPROVAL = `
local prior = redis.call('HGET', KEYS[2], ARGV[1])
if prior then return {'answered', prior} end
local pending = redis.call('HGET', KEYS[1], ARGV[1])
if not pending then return {'not_pending', ''} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if ARGV[3] == 'allow_session' then
  local ok, decoded = pcall(cjson.decode, pending)
  if ok and type(decoded['signature']) == 'string' then redis.call('SADD', KEYS[3], decoded['signature']) end
end
return {'ok', pending}
`;

/**
 * Opens a prompt: KEYS[1]=approvals hash. ARGV: requestId, pending JSON, TTL ms (a safety net:
 * a worker that died leaves nothing behind for long).
 */
export const OPEN_APPROVAL = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('HLEN', KEYS[1])
`;

/** Removes every prompt of the session: KEYS[1]=approvals hash. Returns what was pending. */
export const CLEAR_APPROVALS = `
local all = redis.call('HVALS', KEYS[1])
redis.call('DEL', KEYS[1])
return all
`;
