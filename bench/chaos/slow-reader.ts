/**
 * A slow reader of a flooding session: the session streams ~1,900 events while one client reads
 * a single event a second through session_events, then catches up. The stream is trimmed by policy
 * (EVENT_STREAM_MAXLEN), so the reader falls behind the retained window: it must get a gap event
 * saying which events it lost, never a silent jump; the gateway keeps nothing per slow reader.
 */
import type { SessionEvent } from '@app/contracts';
import { rssMiB } from '../system-processes';
import { startFleet } from '../../test/support/fleet';
import { GatewayClients } from '../../test/support/session-driver';

const FLOOD_TURNS = 28; // of the long_text recording: ≈ 1,900 events
const MAX_LEN = 500;
const SLOW_READS = 15;
/** The flood: turns replayed fast (2 ms a line), so it outruns the window within seconds. */
const FLOOD = '[[standin recording=long_text pace_ms=2]]';

export async function runSlowReader(): Promise<Record<string, string | number>> {
  const fleet = await startFleet({
    label: 'slowreader',
    workers: 1,
    gateways: 1,
    env: { EVENT_STREAM_MAXLEN: String(MAX_LEN) },
  });
  try {
    const gateway = fleet.gateways[0];
    const clients = new GatewayClients(() => [gateway.url]);
    const rssBefore = rssMiB(gateway.pid);
    const started = await clients.call('session_start', {
      prompt: `${FLOOD} flood 1`,
    });
    const sessionId = started.sessionId as string;
    for (let turn = 2; turn <= FLOOD_TURNS; turn++) {
      await clients.call('session_send', {
        sessionId,
        message: `${FLOOD} flood ${turn}`,
      });
    }
    let cursor: string | undefined;
    const got: SessionEvent[] = [];
    let rssPeak = rssBefore;
    for (let i = 0; i < SLOW_READS; i++) {
      const page = await clients.call('session_events', {
        sessionId,
        limit: 1,
        ...(cursor ? { after: cursor } : {}),
      });
      got.push(...(page.events as SessionEvent[]));
      cursor = page.next as string;
      rssPeak = Math.max(rssPeak, rssMiB(gateway.pid));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    // The flood over, the reader catches up in one read: it skipped what the window lost.
    for (;;) {
      const s = await clients.call('session_status', { sessionId });
      if (s.status === 'idle' && Number(s.turns) === FLOOD_TURNS) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const rest = await clients.call('session_events', { sessionId, limit: 1000, after: cursor });
    got.push(...(rest.events as SessionEvent[]));
    rssPeak = Math.max(rssPeak, rssMiB(gateway.pid));
    const gaps = got.filter((e) => e.kind === 'gap');
    const skipped = gaps.reduce((n, g) => n + (g.data as { count: number }).count, 0);
    const status = await clients.call('session_status', { sessionId });
    return {
      scenario: 'slow reader (1 event/s) of a flood',
      'events appended': Number(got.at(-1)?.seq ?? 0),
      'reader got': got.length,
      'gap events': gaps.length,
      'events skipped (in gaps)': skipped,
      'silent jumps': silentJumps(got),
      'gateway RSS before MiB': Math.round(rssBefore),
      'gateway RSS peak MiB': Math.round(rssPeak),
      'session after': String(status.status),
    };
  } finally {
    await fleet.close();
  }
}

/** Places where the seq jumped without a gap event between: must be none. */
function silentJumps(events: readonly SessionEvent[]): number {
  let jumps = 0;
  for (let i = 1; i < events.length; i++) {
    const prev = events[i - 1];
    const expected = prev.seq + 1;
    if (events[i].seq !== expected && events[i].kind !== 'gap' && prev.kind !== 'gap') jumps++;
  }
  return jumps;
}
