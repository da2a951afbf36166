import { SessionOptionsSchema, SessionStatusSchema, type SessionRecord } from '@app/contracts';

/*
 * Hash layout: scalar fields as strings, options as JSON, usage as four counters so that
 * HINCRBY can add to them atomically.
 */

const num = (v: string | undefined) => (v === undefined || v === '' ? 0 : Number(v));
/** A field that may be absent (or cleared to ''): undefined then, not 0. */
const optionalNum = (v: string | undefined) =>
  v === undefined || v === '' ? undefined : Number(v);

export function encodeFields(record: Partial<SessionRecord>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if (key === 'options') out.options = JSON.stringify(value);
    else if (key === 'usage') {
      const u = value as SessionRecord['usage'];
      out.usageInput = String(u.input_tokens);
      out.usageOutput = String(u.output_tokens);
      out.usageCacheCreation = String(u.cache_creation_input_tokens);
      out.usageCacheRead = String(u.cache_read_input_tokens);
    } else out[key] = String(value);
  }
  return out;
}

/** A hash back into a record; undefined for a missing or unreadable one. */
export function decodeRecord(h: Record<string, string>): SessionRecord | undefined {
  if (!h.id || !h.tenant) return undefined;
  const status = SessionStatusSchema.safeParse(h.status);
  const options = SessionOptionsSchema.safeParse(safeJson(h.options));
  if (!status.success || !options.success) return undefined;
  return {
    id: h.id,
    tenant: h.tenant,
    status: status.data,
    createdAt: num(h.createdAt),
    updatedAt: num(h.updatedAt),
    turns: num(h.turns),
    completedTurns: num(h.completedTurns),
    options: options.data,
    claudeSessionId: h.claudeSessionId || undefined,
    usage: {
      input_tokens: num(h.usageInput),
      output_tokens: num(h.usageOutput),
      cache_creation_input_tokens: num(h.usageCacheCreation),
      cache_read_input_tokens: num(h.usageCacheRead),
    },
    costUsd: num(h.costUsd),
    lastCheckpointId: h.lastCheckpointId || undefined,
    lastError: h.lastError || undefined,
    stopReason: h.stopReason || undefined,
    runningTurn: optionalNum(h.runningTurn),
    turnStarts: optionalNum(h.turnStarts),
    settledTurn: optionalNum(h.settledTurn),
    droppedThrough: optionalNum(h.droppedThrough),
  };
}

function safeJson(text: string | undefined): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return undefined;
  }
}
