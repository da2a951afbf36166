import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSandboxTool, probeBwrap } from './probe';

/** Real bubblewrap, nested to imitate a container: nothing is mocked. */
describe('probeBwrap in a container-like environment', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'probe-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A bwrap that runs inside an outer sandbox whose /proc has a masked file, as runc does. */
  function maskedProcBwrap(): string {
    const path = join(dir, 'masked-proc-bwrap');
    writeFileSync(
      path,
      '#!/bin/sh\nexec bwrap --ro-bind / / --unshare-user --unshare-pid --proc /proc ' +
        '--ro-bind /dev/null /proc/timer_list --dev /dev -- bwrap "$@"\n',
    );
    chmodSync(path, 0o755);
    return path;
  }

  it('fails where the sandbox could not mount its own /proc, and says what to change', async () => {
    const probe = await probeBwrap(maskedProcBwrap());
    expect(probe.ok).toBe(false);
    const reason = probe.ok ? '' : probe.reason;
    expect(reason).toMatch(/masks parts of \/proc.*procMount: Unmasked/);
    expect(reason).toMatch(/Can't mount proc on \/newroot\/proc: Operation not permitted/);
  });

  it('finds tools only where the sandbox PATH looks', async () => {
    expect(await findSandboxTool('sh')).toMatch(/^\/usr\/(local\/)?bin\/sh$/);
    expect(await findSandboxTool('sh', [dir])).toBeUndefined();
  });
});
