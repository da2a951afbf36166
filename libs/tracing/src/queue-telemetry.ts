import type { Telemetry } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { tracingEnabled } from './tracing';

/**
 * BullMQ's own OpenTelemetry support (bullmq-otel) when this process traces: a job's `add`
 * span carries the producer's context into the job (opts.telemetry.metadata), and its `process`
 * span on the worker continues it, the handler running inside. Undefined when tracing is off.
 */
export function queueTelemetry(): Telemetry | undefined {
  return tracingEnabled() ? new BullMQOtel({ tracerName: 'bullmq' }) : undefined;
}
