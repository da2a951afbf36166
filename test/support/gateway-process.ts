/*
 * A gateway as its own process (production wiring, from source), beside a system started in the
 * test process: its RSS is its own (/proc/<pid>/status), and whether it is still up is a fact.
 */
import { freePort, rssMiB, startService, type ServiceProcess } from '../../bench/system-processes';
import { TENANT_KEYS, type RealCliSystem } from './system';

export interface GatewayProcess {
  /** http://127.0.0.1:<port>/mcp */
  url: URL;
  pid: number;
  rssMiB(): number;
  /** True while the process has not exited. */
  alive(): boolean;
  stop(): Promise<void>;
}

/** Starts a gateway on the same Redis (and key prefix) and data dir as `world`'s worker. */
export async function startGatewayProcess(world: RealCliSystem): Promise<GatewayProcess> {
  const port = await freePort();
  const service: ServiceProcess = await startService(
    'apps/gateway/src/main.ts',
    {
      HOST: '127.0.0.1',
      PORT: String(port),
      REDIS_URL: world.redis.url,
      REDIS_KEY_PREFIX: world.redis.keyPrefix,
      DATA_DIR: world.system.dataDir,
      MCP_API_KEYS: Object.entries(TENANT_KEYS)
        .map(([tenant, key]) => `${tenant}:${key}`)
        .join(','),
    },
    'gateway listening',
  );
  const pid = service.child.pid ?? 0;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    pid,
    rssMiB: () => rssMiB(pid),
    alive: () => service.child.exitCode === null && service.child.signalCode === null,
    stop: () => service.stop(),
  };
}
