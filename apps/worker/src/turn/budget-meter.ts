import type { ClaudeMessage } from '@app/claude';
import { ZERO_USAGE, type UsageTotals } from '@app/contracts';
import { estimateUsd } from './budget-prices';

type Fields = Record<string, unknown>;
const KINDS = Object.keys(ZERO_USAGE) as Array<keyof UsageTotals>;

/** Characters per output token, for counting a call's output while it streams. */
const CHARS_PER_TOKEN = 4;

interface Call {
  model?: string;
  usage: UsageTotals;
  /** Characters streamed so far (text, thinking, tool input): output before it is reported. */
  streamed: number;
}

/**
 * Tokens a turn has used so far, read from the CLI's lines as they pass: each model call's
 * usage arrives with its `message_start` (input, cache) and grows with its `message_delta`
 * (output, cumulative per call, at the call's end); `assistant` lines repeat it, once per content
 * block. So usage is kept per API message id, as the largest figure seen of each kind, and summed
 * over calls. While a call streams, its output is estimated from the characters streamed, so a
 * long answer is stopped as it crosses a cap rather than after it.
 */
export class TurnUsageMeter {
  private readonly calls = new Map<string, Call>();
  private current: string | undefined;

  /** Takes a line into account; true when the turn's usage grew. */
  observe(message: ClaudeMessage): boolean {
    const line = message as Fields;
    if (line.type === 'stream_event') {
      const event = line.event as Fields | undefined;
      if (event?.type === 'message_start') {
        const started = event.message as Fields | undefined;
        if (typeof started?.id !== 'string') return false;
        this.current = started.id;
        return this.merge(started.id, started.model, started.usage);
      }
      if (event?.type === 'message_delta') {
        const id = typeof line.api_message_id === 'string' ? line.api_message_id : this.current;
        return id !== undefined && this.merge(id, undefined, event.usage);
      }
      if (event?.type === 'content_block_delta') return this.streamedMore(event.delta);
      return false;
    }
    if (line.type === 'assistant') {
      const said = line.message as Fields | undefined;
      if (typeof said?.id !== 'string') return false;
      return this.merge(said.id, said.model, said.usage);
    }
    return false;
  }

  /** Tokens of every call so far as the API reported them, by kind. */
  tokens(): UsageTotals {
    const sum = { ...ZERO_USAGE };
    for (const { usage } of this.calls.values()) for (const k of KINDS) sum[k] += usage[k];
    return sum;
  }

  /** Like tokens(), with the output of calls still streaming estimated: what caps compare. */
  liveTokens(): UsageTotals {
    const sum = { ...ZERO_USAGE };
    for (const call of this.calls.values()) {
      const usage = liveUsage(call);
      for (const k of KINDS) sum[k] += usage[k];
    }
    return sum;
  }

  /** What the calls so far cost, estimated from list prices (the CLI reports it at the end). */
  estimatedUsd(): number {
    let total = 0;
    for (const call of this.calls.values()) total += estimateUsd(call.model, liveUsage(call));
    return total;
  }

  /** A streamed delta of the current call; true when its estimated output grew past the last. */
  private streamedMore(delta: unknown): boolean {
    const call = this.current === undefined ? undefined : this.calls.get(this.current);
    if (!call || !delta || typeof delta !== 'object') return false;
    const d = delta as Fields;
    const text = d.text ?? d.thinking ?? d.partial_json;
    if (typeof text !== 'string') return false;
    const before = Math.ceil(call.streamed / CHARS_PER_TOKEN);
    call.streamed += text.length;
    return Math.ceil(call.streamed / CHARS_PER_TOKEN) > Math.max(before, call.usage.output_tokens);
  }

  private merge(id: string, model: unknown, usage: unknown): boolean {
    if (!usage || typeof usage !== 'object') return false;
    let call = this.calls.get(id);
    if (!call) this.calls.set(id, (call = { usage: { ...ZERO_USAGE }, streamed: 0 }));
    if (typeof model === 'string' && model !== '<synthetic>') call.model = model;
    let grew = false;
    for (const k of KINDS) {
      const v = (usage as Fields)[k];
      if (typeof v === 'number' && v > call.usage[k]) {
        call.usage[k] = v;
        grew = true;
      }
    }
    return grew;
  }
}

function liveUsage(call: Call): UsageTotals {
  const streamed = Math.ceil(call.streamed / CHARS_PER_TOKEN);
  if (streamed <= call.usage.output_tokens) return call.usage;
  return { ...call.usage, output_tokens: streamed };
}

/**
 * A finished turn's tokens: the `result` line's, unless the meter saw more of a kind. An
 * interrupted turn's result reports no usage at all, though its calls were paid for.
 */
export function reconcileTokens(
  reported: Partial<UsageTotals> | undefined,
  metered: UsageTotals,
): UsageTotals {
  const out = { ...ZERO_USAGE };
  for (const k of KINDS) out[k] = Math.max(Math.round(reported?.[k] ?? 0), metered[k]);
  return out;
}
