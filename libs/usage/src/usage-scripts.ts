/*
 * Lua scripts of the usage ledger. A tenant's usage stream and its day counters share the hash
 * tag `{<tenant>}`, so one script writes both, atomically, on Redis Cluster too.
 */

/**
 * One finished turn: KEYS[1]=usage stream, KEYS[2]=the day's spend counter. ARGV: oldest id to
 * keep (ms; older entries are trimmed, exactly: only the few that expired since the last turn),
 * counter TTL (ms), cost (USD), then the entry's field/value pairs. The stream assigns the
 * entry's id (Redis time), so ids never go backwards between workers whose clocks differ.
 * Returns the entry id and the day's spend with this turn.
 */
export const RECORD_TURN = `
local id = redis.call('XADD', KEYS[1], 'MINID', ARGV[1], '*', unpack(ARGV, 4))
local day = redis.call('INCRBYFLOAT', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {id, day}
`;
