import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { QueueChoresSampler } from './queue-chores-sampler';

/** AppConfig.tracing: OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME. */
export interface TracingConfig {
  exporter: 'otlp' | 'console' | 'none';
  endpoint?: string;
  serviceName?: string;
  /** OTEL_BSP_SCHEDULE_DELAY: how long spans wait in the batch before export. */
  scheduleDelayMs?: number;
}

export type TracingRole = 'gateway' | 'worker';

/** The process's provider, and how many apps started with it (each stops it once). */
let installed: { provider: TracerProvider; users: number } | undefined;

/**
 * Installs the process's tracer provider, W3C propagation and async context, when the config
 * asks for traces; with `none` nothing is installed and the OpenTelemetry API stays a no-op
 * (no span is made, no id generated, nothing to pay). `npm start` runs both roles in one process:
 * they share one provider, named for the first role unless OTEL_SERVICE_NAME names it. Each
 * app that started it calls stopTracing() as it closes (TracingModule does).
 */
export function startTracing(
  config: TracingConfig,
  role: TracingRole,
  exporter?: SpanExporter,
): void {
  if (config.exporter === 'none' && !exporter) return;
  if (!installed) {
    const provider = new TracerProvider({
      resource: resourceFromAttributes({
        [ATTR_SERVICE_NAME]: config.serviceName ?? `csb-${role}`,
      }),
      // A client's sampling decision (traceparent flags) is followed; our own roots are kept,
      // but for the queue's housekeeping polls, which would be a trace every few seconds.
      sampler: new QueueChoresSampler(new ParentBasedSampler({ root: new AlwaysOnSampler() })),
      spanProcessors: [processorFor(config, exporter)],
    });
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    installed = { provider, users: 0 };
  }
  installed.users++;
}

/**
 * One app that started tracing closes: the last one flushes the spans still buffered, stops
 * exporting and puts the no-op API back. A no-op when tracing is off.
 */
export async function stopTracing(): Promise<void> {
  if (!installed || --installed.users > 0) return;
  const { provider } = installed;
  installed = undefined;
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
}

/** Whether this process exports traces (the queue attaches its telemetry only then). */
export function tracingEnabled(): boolean {
  return installed !== undefined;
}

function processorFor(config: TracingConfig, exporter?: SpanExporter): SpanProcessor {
  // Given an exporter (tests), spans reach it as they end: nothing waits for a batch.
  if (exporter) return new SimpleSpanProcessor({ exporter });
  if (config.exporter === 'console') {
    return new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() });
  }
  return new BatchSpanProcessor({
    exporter: new OTLPTraceExporter({ url: tracesUrl(config.endpoint) }),
    ...(config.scheduleDelayMs !== undefined
      ? { scheduledDelayMillis: config.scheduleDelayMs }
      : {}),
  });
}

/** OTLP/HTTP: the traces path is appended to the generic endpoint (OTel exporter spec). */
export function tracesUrl(endpoint: string | undefined): string | undefined {
  if (!endpoint) return undefined; // the exporter's default, http://localhost:4318/v1/traces
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}
