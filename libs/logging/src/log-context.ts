import { AsyncLocalStorage } from 'node:async_hooks';
import { trace } from '@opentelemetry/api';

/** Who a log line is about: the ids of the turn (or call) it was written for. */
export interface LogFields {
  tenant?: string;
  sessionId?: string;
  turn?: number;
  jobId?: string;
}

const fields = new AsyncLocalStorage<LogFields>();

/**
 * Runs `fn` with these ids on every line logged inside it, by any logger, however deep: a
 * turn's lines carry its tenant, session, turn and job without each call site passing them.
 */
export function withLogFields<T>(scope: LogFields, fn: () => T): T {
  return fields.run({ ...fields.getStore(), ...scope }, fn);
}

/**
 * Runs `fn` with no turn's ids: for what starts inside a turn and outlives it (a CLI process
 * kept for the next turns), whose later lines belong to no turn, or to another one.
 */
export function withoutLogFields<T>(fn: () => T): T {
  return fields.exit(fn);
}

/**
 * pino's mixin: the scope's ids, and the active span's trace and span ids when tracing is on
 * (a line then leads to its trace in the tracing backend).
 */
export function logFieldsMixin(): Record<string, unknown> {
  const scope = fields.getStore();
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return scope ? { ...scope } : {};
  const { traceId, spanId } = span.spanContext();
  return { ...scope, traceId, spanId };
}
