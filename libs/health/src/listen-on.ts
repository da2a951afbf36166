/** What listen() needs of a Nest app (or anything else that serves HTTP). */
export interface Listener {
  listen(port: number, host: string): Promise<unknown>;
}

/** The port is taken: says which variable moves it, since the bare EADDRINUSE does not. */
export class PortInUse extends Error {
  override readonly name = 'PortInUse';
  constructor(
    readonly variable: string,
    readonly port: number,
    readonly host: string,
  ) {
    super(
      `${host}:${port} is already in use (another npm start, or another program): ` +
        `set ${variable} to a free port (e.g. ${variable}=${port + 10})`,
    );
  }
}

/** listen(), with EADDRINUSE reported as PortInUse naming `variable` (PORT, WORKER_HEALTH_PORT). */
export async function listenOn(
  app: Listener,
  port: number,
  host: string,
  variable: string,
): Promise<void> {
  try {
    await app.listen(port, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE') {
      throw new PortInUse(variable, port, host);
    }
    throw error;
  }
}
