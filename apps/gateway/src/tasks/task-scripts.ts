/*
 * Lua for the task hash (one key, so one hash tag: Redis Cluster runs it as it is).
 *
 * TRANSITION: KEYS[1] the task; ARGV[1] the statuses it may be in (space-separated); ARGV[2] the
 * new status ('' keeps it); ARGV[3] now (ms; '' leaves lastUpdatedAt); ARGV[4..] field/value pairs to set ('' deletes).
 * Checking and writing in one script is what makes a cancel final: a completion racing it finds
 * `cancelled` and writes nothing. Returns {'ok'|'refused'|'missing', status before}.
 */
export const TRANSITION = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'missing', ''} end
for allowed in string.gmatch(ARGV[1], '%S+') do
  if allowed == status then
    if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'status', ARGV[2]) end
    if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'lastUpdatedAt', ARGV[3]) end
    for i = 4, #ARGV - 1, 2 do
      if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i])
      else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
    end
    return {'ok', status}
  end
end
return {'refused', status}
`;

/*
 * ADOPT: KEYS[1] the task; ARGV[1] now (ms); ARGV[2] the new lease end. Takes an open task whose
 * lease ended (its gateway stopped): one replica wins, the others see the new lease. 1 if taken.
 */
export const ADOPT = `
local fields = redis.call('HMGET', KEYS[1], 'status', 'leaseUntil')
local status = fields[1]
if status ~= 'working' and status ~= 'input_required' then return 0 end
if tonumber(fields[2] or '0') >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'leaseUntil', ARGV[2])
return 1
`;
