/**
 * Closes the app on SIGTERM/SIGINT (Nest runs its shutdown hooks) and exits 0, so that an
 * orchestrator's stop counts as a clean exit and exit-time work (profiles, logs) completes.
 */
export function exitOnSignals(close: () => Promise<void>, log: (message: string) => void): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    log(`${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/**
 * Runs an entry point: starts it, closes it cleanly on SIGTERM/SIGINT, and exits 1 with the
 * error's message (never a stack) when it cannot start.
 */
export function runEntryPoint(start: () => Promise<{ close(): Promise<void> }>): void {
  start()
    .then((app) =>
      exitOnSignals(
        () => app.close(),
        (m) => console.error(m),
      ),
    )
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
