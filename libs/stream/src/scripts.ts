import type { RedisClient } from '@app/redis';

/*
 * Lua scripts (sent by EVALSHA through ioredis defineCommand). Each touches one session's keys
 * only, all under the session's hash tag, so they also run on Redis Cluster.
 */

/**
 * KEYS: session hash (eventSeq counter, writer marks), events stream.
 * ARGV: maxLen, channel, mark field ('' = no dedup), batch number, inline limit (bytes), then
 * turn/kind/ts/data per event.
 * Reply: {lastSeq, id...}; {0} when this writer's batch was applied before (ioredis resends
 * unanswered commands after a reconnect); {-1} when an earlier batch of the writer is missing.
 *
 * Ids are "<ms>-<seq>": still increasing (seq only grows), and a cursor then carries the seq of
 * the last event its holder saw, so a reader spots trimmed events by the gap in seq alone.
 *
 * The notification carries the batch itself ("e1" then id, seq, turn, kind, ts, data per event,
 * one per line: JSON text has no raw newlines) when its data fits the inline limit, so a
 * follower that is caught up delivers without reading the stream back; else just the last id.
 */
const APPEND_LUA = `
local maxLen, channel, mark, batch = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local inlineMax = tonumber(ARGV[5])
local n = (#ARGV - 5) / 4
if mark ~= '' then
  local applied = tonumber(redis.call('HGET', KEYS[1], mark))
  if applied then
    if batch <= applied then return {0} end
    if batch > applied + 1 then return {-1} end
  end
  redis.call('HSET', KEYS[1], mark, batch)
end
local function lastGeneratedMs()
  local info = redis.call('XINFO', 'STREAM', KEYS[2])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return tonumber(string.match(info[i + 1], '^(%d+)')) end
  end
  return 0
end
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local last = redis.call('HINCRBY', KEYS[1], 'eventSeq', n)
local reply = {last}
local note = {'e1'}
local dataBytes = 0
for i = 1, n do
  local a, seq = 2 + i * 4, last - n + i
  local fields = {'seq', seq, 'turn', ARGV[a], 'kind', ARGV[a + 1], 'ts', ARGV[a + 2], 'data', ARGV[a + 3]}
  local id = redis.pcall('XADD', KEYS[2], 'MAXLEN', '~', maxLen, string.format('%d-%d', ms, seq), unpack(fields))
  if type(id) == 'table' and id.err then
    -- The stream is ahead of this clock (clock stepped back, or entries written by something else).
    ms = lastGeneratedMs() + 1
    id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxLen, string.format('%d-%d', ms, seq), unpack(fields))
  end
  reply[i + 1] = id
  dataBytes = dataBytes + #ARGV[a + 3]
  if dataBytes <= inlineMax then
    local k = #note
    note[k + 1], note[k + 2], note[k + 3] = id, seq, ARGV[a]
    note[k + 4], note[k + 5], note[k + 6] = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  end
end
if dataBytes <= inlineMax then
  redis.call('PUBLISH', channel, table.concat(note, '\\n'))
else
  redis.call('PUBLISH', channel, reply[n + 1])
end
return reply
`;

/** KEYS: events stream. Reply: the newest entry's id, or nil; without shipping its data. */
const LAST_ID_LUA = `
local newest = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if newest then return newest[1] end
return false
`;

export type AppendReply = Array<number | string>;

interface ScriptCommands {
  csbStreamAppend(session: string, events: string, ...args: string[]): Promise<AppendReply>;
  csbStreamLastId(events: string): Promise<string | null>;
}

/** Typed handles on the scripts; defineCommand is idempotent, so sharing a client is fine. */
export interface StreamScripts {
  append(session: string, events: string, args: string[]): Promise<AppendReply>;
  lastId(events: string): Promise<string | null>;
}

export function defineStreamScripts(redis: RedisClient): StreamScripts {
  redis.defineCommand('csbStreamAppend', { numberOfKeys: 2, lua: APPEND_LUA });
  redis.defineCommand('csbStreamLastId', { numberOfKeys: 1, lua: LAST_ID_LUA, readOnly: true });
  // defineCommand adds methods that ioredis' static types can't know about.
  const commands = redis as unknown as ScriptCommands;
  return {
    append: (session, events, args) => commands.csbStreamAppend(session, events, ...args),
    lastId: (events) => commands.csbStreamLastId(events),
  };
}
