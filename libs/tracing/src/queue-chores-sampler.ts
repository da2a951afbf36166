import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import { SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace';

/**
 * BullMQ spans its own housekeeping (a worker's poll for the next job, the stalled-job check)
 * as traces of their own, every few seconds on every worker, each with nothing to say about a
 * turn. They are dropped here; the spans of a job (`add`, `process`) are kept.
 */
const QUEUE_CHORES = /^(getNextJob|moveStalledJobsToWait|startStalledCheckTimer|rateLimit) /;

export class QueueChoresSampler implements Sampler {
  constructor(private readonly otherwise: Sampler) {}

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (QUEUE_CHORES.test(spanName)) return { decision: SamplingDecision.NOT_RECORD };
    return this.otherwise.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `QueueChoresSampler{${this.otherwise.toString()}}`;
  }
}
