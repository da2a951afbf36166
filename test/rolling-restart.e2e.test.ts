/**
 * A rolling restart of every process (two gateways, two workers: each replaced, then SIGTERMed)
 * while 20 sessions stream: no turn lost, no event lost or repeated, every session usable after.
 */
import { startFleet, type Fleet, type FleetProcess } from './support/fleet';
import { GatewayClients, SessionDriver, type DriverReport } from './support/session-driver';

const SESSIONS = 20;
const TURNS = 3;
let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({
    label: 'rolling',
    workers: 2,
    gateways: 2,
    env: { WORKER_LIVENESS_MS: '2000', WORKER_DRAIN_MS: '1000', GATEWAY_DRAIN_MS: '500' },
  });
}, 120_000);

afterAll(async () => {
  await fleet?.close();
});

/** Replaces the process: its successor first, then SIGTERM, as a Deployment's rollout does. */
async function roll(old: FleetProcess): Promise<void> {
  if (old.role === 'gateway') await fleet.addGateway();
  else await fleet.addWorker();
  expect(await old.stop()).toEqual({ code: 0, signal: null });
}

it('loses no turn and no event while every process is restarted', async () => {
  const live = () => fleet.gateways.filter((g) => g.alive()).map((g) => g.url);
  const clients = new GatewayClients(live);
  const drivers = Array.from(
    { length: SESSIONS },
    () =>
      new SessionDriver(
        clients,
        TURNS,
        (turn) => `[[standin recording=long_text pace_ms=25]] turn ${turn}`,
      ),
  );
  const running = Promise.all(drivers.map((d) => d.run()));
  for (const process of [...fleet.gateways, ...fleet.workers]) await roll(process);
  await running;
  const reports: DriverReport[] = await Promise.all(drivers.map((d) => d.report()));
  console.log(
    `rolling restart: ${reports.reduce((n, r) => n + r.restarted, 0)} turns re-run, ` +
      `${clients.failures} calls retried on another gateway`,
  );
  for (const report of reports) {
    expect(report).toMatchObject({
      turnsSettled: TURNS,
      turnsFailed: 0,
      lost: 0,
      duplicated: 0,
      gaps: 0,
      usable: true,
    });
  }
});
