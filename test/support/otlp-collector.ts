/*
 * A local OTLP/HTTP trace receiver: what an OpenTelemetry collector would get from the apps
 * (OTEL_EXPORTER_OTLP_ENDPOINT), kept in memory for a test to read as spans and trees.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, string | number | boolean>;
  /** 2: error (OTLP StatusCode). */
  statusCode: number;
}

/** OTLP JSON (ExportTraceServiceRequest), as the http exporter sends it: only what is read. */
interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; boolValue?: boolean };
}
interface OtlpRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        startTimeUnixNano: string;
        endTimeUnixNano: string;
        attributes?: OtlpAttribute[];
        status?: { code?: number };
      }>;
    }>;
  }>;
}

export class OtlpCollector {
  readonly spans: ReceivedSpan[] = [];
  private server?: Server;

  /** Starts on a free port; resolves with the endpoint (OTEL_EXPORTER_OTLP_ENDPOINT). */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces' && req.headers['content-type']?.includes('json')) {
          this.receive(JSON.parse(Buffer.concat(chunks).toString()) as OtlpRequest);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } else res.writeHead(415).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  /**
   * The trace as an indented tree: `service name (ms)` a line, children under their parent in
   * start order. What a tracing backend draws, as text for a test to match and a note to show.
   */
  tree(traceId: string): string {
    const spans = this.trace(traceId).sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
    const ids = new Set(spans.map((s) => s.spanId));
    const lines: string[] = [];
    const walk = (parent: string | undefined, depth: number) => {
      for (const s of spans.filter(
        (x) => (x.parentSpanId && ids.has(x.parentSpanId) ? x.parentSpanId : undefined) === parent,
      )) {
        const ms = Number(s.endNs - s.startNs) / 1e6;
        lines.push(`${'  '.repeat(depth)}${s.service}: ${s.name} (${ms.toFixed(1)} ms)`);
        walk(s.spanId, depth + 1);
      }
    };
    walk(undefined, 0);
    return lines.join('\n');
  }

  private receive(request: OtlpRequest): void {
    for (const resource of request.resourceSpans ?? []) {
      const service = String(attributes(resource.resource?.attributes)['service.name'] ?? '?');
      for (const scope of resource.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            service,
            traceId: span.traceId,
            spanId: span.spanId,
            ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
            name: span.name,
            kind: span.kind,
            startNs: BigInt(span.startTimeUnixNano),
            endNs: BigInt(span.endTimeUnixNano),
            attributes: attributes(span.attributes),
            statusCode: span.status?.code ?? 0,
          });
        }
      }
    }
  }
}

function attributes(list: OtlpAttribute[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    const v = value.stringValue ?? value.boolValue ?? value.intValue;
    if (v !== undefined)
      out[key] = typeof v === 'string' && value.intValue !== undefined ? Number(v) : v;
  }
  return out;
}
