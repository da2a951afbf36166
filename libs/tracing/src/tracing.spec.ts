import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { activeTraceId, contextFromMeta, inSpan } from './spans';
import { startTracing, stopTracing, tracesUrl, tracingEnabled } from './tracing';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';

describe('tracing', () => {
  afterEach(async () => {
    while (tracingEnabled()) await stopTracing();
  });

  it('installs nothing when off: no span is recorded and no trace id exists', async () => {
    startTracing({ exporter: 'none' }, 'worker');
    expect(tracingEnabled()).toBe(false);
    await inSpan('turn', {}, async (span) => {
      expect(span.isRecording()).toBe(false);
      expect(activeTraceId()).toBeUndefined();
    });
  });

  it("nests spans, continues a client's traceparent from _meta, and records failures", async () => {
    const exporter = new InMemorySpanExporter();
    startTracing({ exporter: 'none' }, 'gateway', exporter);
    const parent = contextFromMeta({ traceparent: `00-${TRACE}-${PARENT}-01`, other: 1 });
    await inSpan('tools/call session_send', { kind: SpanKind.SERVER, parent }, async () => {
      expect(activeTraceId()).toBe(TRACE);
      await expect(
        inSpan('checkpoint', {}, async () => Promise.reject(new Error('store away'))),
      ).rejects.toThrow('store away');
    });
    const [child, call] = exporter.getFinishedSpans();
    expect(call.name).toBe('tools/call session_send');
    expect(call.spanContext().traceId).toBe(TRACE);
    expect(call.parentSpanContext?.spanId).toBe(PARENT);
    expect(call.resource.attributes['service.name']).toBe('csb-gateway');
    expect(child.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(child.status).toMatchObject({ code: 2, message: 'store away' });
    expect(child.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('starts a trace of its own without a traceparent, or with a malformed one', async () => {
    const exporter = new InMemorySpanExporter();
    startTracing({ exporter: 'none' }, 'gateway', exporter);
    for (const meta of [undefined, {}, { traceparent: 'not-a-traceparent' }]) {
      await inSpan('call', { parent: contextFromMeta(meta) }, async () => undefined);
    }
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(3);
    expect(spans.every((s) => s.parentSpanContext === undefined)).toBe(true);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(3);
  });

  it("follows a client's decision not to sample, and drops the queue's housekeeping polls", async () => {
    const exporter = new InMemorySpanExporter();
    startTracing({ exporter: 'none' }, 'worker', exporter);
    const unsampled = contextFromMeta({ traceparent: `00-${TRACE}-${PARENT}-00` });
    await inSpan('call', { parent: unsampled }, async (span) => {
      expect(span.isRecording()).toBe(false);
    });
    const bullmq = trace.getTracer('bullmq');
    bullmq.startSpan('getNextJob turns').end();
    bullmq.startSpan('moveStalledJobsToWait turns').end();
    bullmq.startSpan('process turns', { kind: SpanKind.CONSUMER }).end();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['process turns']);
  });

  it('is shared by the roles of one process and stops with the last of them', async () => {
    const exporter = new InMemorySpanExporter();
    startTracing({ exporter: 'none' }, 'worker', exporter);
    startTracing({ exporter: 'none' }, 'gateway', exporter);
    await stopTracing();
    expect(tracingEnabled()).toBe(true);
    await inSpan('still traced', {}, async (span) => expect(span.isRecording()).toBe(true));
    // One provider for both, named for the first role (read now: shutdown empties the exporter).
    expect(exporter.getFinishedSpans().map((s) => s.resource.attributes['service.name'])).toEqual([
      'csb-worker',
    ]);
    await stopTracing();
    expect(tracingEnabled()).toBe(false);
    await inSpan('after', {}, async (span) => expect(span.isRecording()).toBe(false));
  });

  it('sends OTLP to the standard traces path under the configured endpoint', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl(undefined)).toBeUndefined();
  });
});
