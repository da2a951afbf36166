/**
 * Approval round trips with the real CLI (`permissions: "ask"`): each turn, the stub's model asks
 * for a Bash command; the CLI's `can_use_tool` request becomes a `permission_request`, the
 * client's waited `session_send` returns `waiting`, the client answers with `session_respond`
 * at once, and the worker writes the CLI's `control_response`. The figure is the worker's own
 * measure (`permission_resolved.latencyMs`: CLI request → its answer written), which holds the
 * whole client path: relay, the waited call's return, the answer's trip back through Redis.
 */
import type { SessionEvent } from '@app/contracts';
import type { RecordedRequest } from '@app/testing/messages-stub';
import { callTool, connectClient, startRealCliSystem } from '../test/support/system';
import { summarizeLatency } from './latency';

const ROUND_TRIPS = Number(process.env.BENCH_MCP_APPROVALS ?? 30);

/** The model's reply: a Bash command to approve, or (once it ran) a closing text. */
function modelReply(request: RecordedRequest) {
  const { messages } = request.body as { messages: Array<{ content: unknown }> };
  const last = messages.at(-1)?.content;
  const ran = Array.isArray(last) && last.some((b: { type?: string }) => b.type === 'tool_result');
  return ran
    ? { text: 'Done.' }
    : { toolUse: { name: 'Bash', input: { command: 'echo ok > out.txt', description: 'w' } } };
}

export async function approvalRows(): Promise<Array<Record<string, string | number>>> {
  const world = await startRealCliSystem('bench-approvals');
  const client = await connectClient(world.system.urls[0], 'acme');
  try {
    world.stub.enqueue(...Array.from({ length: ROUND_TRIPS * 2 + 2 }, () => modelReply));
    interface Waited {
      sessionId: string;
      status: string;
      pending?: { requestId: string };
    }
    let answered = 0;
    const answer = async (sessionId: string, waited: Waited) => {
      if (waited.status !== 'waiting' || !waited.pending) {
        throw new Error(`expected a pending approval, got status ${waited.status}`);
      }
      await callTool(client, 'session_respond', {
        sessionId,
        requestId: waited.pending.requestId,
        decision: 'allow',
      });
      answered++;
      // The turn goes on after the answer: wait for its end before the next one.
      for (;;) {
        const { status } = await callTool<{ status: string }>(client, 'session_status', {
          sessionId,
        });
        if (status === 'idle') return;
        if (status === 'failed') throw new Error('the approved turn failed');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const first = await callTool<Waited>(client, 'session_start', {
      prompt: 'write the file',
      permissions: 'ask',
      wait: true,
    });
    const { sessionId } = first;
    await answer(sessionId, first);
    while (answered < ROUND_TRIPS) {
      const waited = await callTool<Waited>(client, 'session_send', {
        sessionId,
        message: 'again',
        wait: true,
      });
      await answer(sessionId, waited);
    }
    const page = await callTool<{ events: SessionEvent[] }>(client, 'session_events', {
      sessionId,
      limit: 1000,
    });
    const latencies = page.events
      .filter((e) => e.kind === 'permission_resolved')
      .map((e) => (e.data as { latencyMs?: number }).latencyMs)
      .filter((ms): ms is number => typeof ms === 'number');
    const l = summarizeLatency(latencies);
    return [
      {
        measure: `approval round trip, real CLI (CLI request → its answer; ${latencies.length} prompts)`,
        'p50 ms': Number(l.p50.toFixed(1)),
        'p99 ms': Number(l.p99.toFixed(1)),
      },
    ];
  } finally {
    await client.close();
    await world.close();
  }
}
