import type { Logger } from 'pino';
import { BwrapLauncher, PlainLauncher, probeBwrap, type Launcher } from '@app/claude';
import type { AppConfig } from '@app/config';

/**
 * The launcher SANDBOX asks for, checked once at start-up: `bwrap` must work or the worker
 * refuses to start (never silently unsandboxed); unset means bwrap where it works, else plain
 * with a loud warning; `none` runs plain, also with a warning.
 */
export async function chooseLauncher(
  sandbox: AppConfig['sandbox'],
  logger: Logger,
  bwrap = 'bwrap',
): Promise<Launcher> {
  if (sandbox.network === 'proxy') {
    throw new Error('SANDBOX_NETWORK=proxy is not available yet; use SANDBOX_NETWORK=host');
  }
  if (sandbox.mode === 'none') {
    logger.warn(
      'SANDBOX=none: Claude CLI processes run unsandboxed, with the worker’s file system view',
    );
    return new PlainLauncher();
  }
  const probe = await probeBwrap(bwrap);
  if (probe.ok) return new BwrapLauncher({ network: 'host', bwrap });
  if (sandbox.mode === 'bwrap') {
    throw new Error(`SANDBOX=bwrap but bubblewrap cannot run here: ${probe.reason}`);
  }
  logger.warn(
    { reason: probe.reason },
    'SANDBOX unset and bubblewrap does not work here: Claude CLI processes run UNSANDBOXED; install bubblewrap or set SANDBOX=none to acknowledge',
  );
  return new PlainLauncher();
}
