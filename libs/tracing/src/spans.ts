import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanKind,
} from '@opentelemetry/api';

/** The tracer of this product's own spans (BullMQ's are named `bullmq`). */
export const tracer = () => trace.getTracer('claude-session-backend');

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent; default: the active context. */
  parent?: Context;
}

/**
 * Runs `fn` inside a new active span, which ends when `fn` settles; a throw marks the span as
 * an error (with the exception recorded) and goes on up. A no-op span when tracing is off.
 */
export function inSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const { parent = context.active(), ...spanOptions } = options;
  return tracer().startActiveSpan(name, spanOptions, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed without a throw (a turn that ended in an error is a result, not a throw). */
export function markFailed(span: Span, message: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** The active trace's id, for events and logs; undefined when nothing is traced. */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}

/**
 * The context a request's `_meta` continues: W3C `traceparent`/`tracestate` as MCP 2026-07-28
 * clients send them (SEP-414); the root context when it has none (or tracing is off).
 */
export function contextFromMeta(meta: Record<string, unknown> | undefined): Context {
  const carrier: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate']) {
    const value = meta?.[key];
    if (typeof value === 'string') carrier[key] = value;
  }
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/**
 * Runs `fn` outside any trace: for things started during a turn that outlive it (a CLI process
 * kept for the next turns, timers), so that what they do later is not filed under that turn.
 */
export function detached<T>(fn: () => T): T {
  return context.with(ROOT_CONTEXT, fn);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
