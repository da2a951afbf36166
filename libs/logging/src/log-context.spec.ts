import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { inSpan, startTracing, stopTracing } from '@app/tracing';
import { withLogFields, withoutLogFields } from './log-context';
import { capturedLog } from './spec/captured-log';

describe('log fields', () => {
  it("puts the scope's ids on every line logged inside it, across awaits, and none outside", async () => {
    const { logger, lines } = capturedLog();
    logger.info('before');
    await withLogFields({ tenant: 'acme', sessionId: 's-1' }, async () => {
      await withLogFields({ turn: 2, jobId: 's-1.2' }, async () => {
        await new Promise((resolve) => setImmediate(resolve));
        logger.info('inside');
        // A call site's own field wins over the scope's, once.
        logger.info({ sessionId: 's-other' }, 'own field');
        withoutLogFields(() => logger.info('outlives the turn'));
      });
    });
    logger.info('after');
    const [before, inside, own, outside, after] = lines();
    expect(before).not.toHaveProperty('tenant');
    expect(inside).toMatchObject({ tenant: 'acme', sessionId: 's-1', turn: 2, jobId: 's-1.2' });
    expect(own).toMatchObject({ sessionId: 's-other', turn: 2 });
    expect(outside).not.toHaveProperty('tenant');
    expect(outside).not.toHaveProperty('turn');
    expect(after).not.toHaveProperty('jobId');
  });

  it('adds the active trace and span ids when tracing is on', async () => {
    const { logger, lines } = capturedLog();
    const exporter = new InMemorySpanExporter();
    startTracing({ exporter: 'none' }, 'worker', exporter);
    let span: ReadableSpan | undefined;
    try {
      await inSpan('turn', { kind: SpanKind.INTERNAL }, async () => logger.info('traced'));
      [span] = exporter.getFinishedSpans(); // before shutdown empties it
    } finally {
      await stopTracing();
    }
    logger.info('untraced');
    if (!span) throw new Error('no span recorded');
    const [traced, untraced] = lines();
    expect(traced).toMatchObject({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
    });
    expect(untraced).not.toHaveProperty('traceId');
  });
});
