import type { StartedTestContainer } from 'testcontainers';

/**
 * Stop/start of the same container (StartedTestContainer.stop() removes it, and restart() gives no
 * window in between). Host ports are bound explicitly when the container is created, so they
 * survive this and clients reconnect to the same address.
 */
export interface ContainerControl {
  /** graceMs 0 = SIGKILL right away (a crash); otherwise SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs: number): Promise<void>;
  /** No-op when it is already running. */
  start(): Promise<void>;
}

export async function containerControl(container: StartedTestContainer): Promise<ContainerControl> {
  // Loaded lazily: testcontainers pulls in dockerode and ssh2, dead weight on the local path.
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  const handle = client.container.getById(container.getId());
  return {
    stop: (graceMs) => client.container.stop(handle, { timeout: graceMs }),
    start: () =>
      client.container.start(handle).catch((err: unknown) => {
        // Docker answers 304 Not Modified for "already started".
        if ((err as { statusCode?: number }).statusCode !== 304) throw err;
      }),
  };
}

export function containerHint(service: string): string {
  return `${service} container failed; set TEST_SERVICES_DOCKER=0 to use a local process instead`;
}
