import { GatewayMetrics } from './gateway-metrics';
import { TenantLabels } from './tenant-labels';

/** The gateway's metrics in memory: labels, replay filtering, collectors that fail or stall. */
describe('GatewayMetrics', () => {
  const tenants = new TenantLabels(['acme']);

  it('labels only configured tenants, every other name as other', async () => {
    const metrics = new GatewayMetrics(tenants);
    metrics.quotaRefused('maxSessions', 'acme');
    metrics.quotaRefused('maxSessions', 'made-up-by-a-client');
    metrics.budgetRefused('budgetUsd', 'acme');
    const text = await metrics.text();
    expect(text).toContain('csb_quota_refusals_total{quota="maxSessions",tenant="acme"} 1');
    expect(text).toContain('csb_quota_refusals_total{quota="maxSessions",tenant="other"} 1');
    expect(text).toContain('csb_budget_refusals_total{budget="budgetUsd",tenant="acme"} 1');
    expect(text).not.toContain('made-up-by-a-client');
  });

  it('observes relayed events, leaving replays of old ones out', async () => {
    const metrics = new GatewayMetrics(tenants);
    const now = Date.now();
    metrics.eventsRelayed([
      { id: `${now - 40}-0`, ts: now - 50 },
      { id: `${now - 3_600_000}-0`, ts: now - 3_600_000 },
    ]);
    const text = await metrics.text();
    expect(text).toContain('csb_event_latency_seconds_count 1');
    expect(text).toContain('csb_relay_lag_seconds_count 1');
  });

  it('answers a scrape with what it can read when a source fails or stalls', async () => {
    const metrics = new GatewayMetrics(tenants);
    metrics.collectFrom({
      waitingTurns: () => Promise.reject(new Error('Redis is away')),
      census: () => new Promise(() => undefined),
    });
    const started = Date.now();
    const text = await metrics.text();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(text).toContain('# TYPE csb_queue_waiting_turns gauge');
    expect(text).toMatch(/^csb_queue_waiting_turns nan$/im); // prom-client writes "Nan"
    expect(text).not.toMatch(/^csb_sessions\{/m);
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('reads the census once per scrape for both of its gauges', async () => {
    const metrics = new GatewayMetrics(tenants);
    const census = jest.fn(async () => ({
      sessions: [
        { tenant: 'acme', status: 'idle', count: 2 },
        { tenant: 'gone', status: 'running', count: 1 },
      ],
      pendingApprovals: [{ tenant: 'acme', count: 3 }],
    }));
    metrics.collectFrom({ waitingTurns: async () => 4, census });
    const text = await metrics.text();
    expect(census).toHaveBeenCalledTimes(1);
    expect(census).toHaveBeenCalledWith(['acme']);
    expect(text).toContain('csb_queue_waiting_turns 4');
    expect(text).toContain('csb_sessions{tenant="acme",status="idle"} 2');
    expect(text).toContain('csb_sessions{tenant="other",status="running"} 1');
    expect(text).toContain('csb_pending_approvals{tenant="acme"} 3');
  });
});
