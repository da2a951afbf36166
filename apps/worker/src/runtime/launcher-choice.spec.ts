import pino from 'pino';
import { BwrapLauncher, PlainLauncher } from '@app/claude';
import { chooseLauncher } from './launcher-choice';

/** Real bubblewrap (CI installs it): the probe runs it, nothing is mocked. */
describe('chooseLauncher', () => {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  beforeEach(() => (warnings.length = 0));

  it('sandboxes with bubblewrap when SANDBOX is unset and bwrap works', async () => {
    const launcher = await chooseLauncher({ network: 'host' }, logger);
    expect(launcher).toBeInstanceOf(BwrapLauncher);
    expect(launcher.visibleCwd('/srv/x')).toBe('/workspace');
  });

  it('refuses SANDBOX=bwrap where bubblewrap cannot run, saying why', async () => {
    await expect(
      chooseLauncher({ mode: 'bwrap', network: 'host' }, logger, '/nope/bwrap'),
    ).rejects.toThrow(/SANDBOX=bwrap but bubblewrap cannot run here: .*not installed/);
  });

  it('falls back to plain with a loud warning when unset and bwrap is missing', async () => {
    const launcher = await chooseLauncher({ network: 'host' }, logger, '/nope/bwrap');
    expect(launcher).toBeInstanceOf(PlainLauncher);
    expect(warnings.join('')).toMatch(/UNSANDBOXED/);
  });

  it('runs plain with a warning on SANDBOX=none, and refuses the proxy network for now', async () => {
    expect(await chooseLauncher({ mode: 'none', network: 'host' }, logger)).toBeInstanceOf(
      PlainLauncher,
    );
    expect(warnings.join('')).toMatch(/SANDBOX=none/);
    await expect(chooseLauncher({ network: 'proxy' }, logger)).rejects.toThrow(
      /SANDBOX_NETWORK=proxy/,
    );
  });
});
