import { existsSync } from 'node:fs';
import pino from 'pino';
import { BwrapLauncher, PlainLauncher, type LaunchCommand } from '@app/claude';
import { loadConfig } from '@app/config';
import { chooseLauncher } from './launcher-choice';

const asRoot = process.getuid?.() === 0;

/** Real bubblewrap, socat and prlimit (CI installs them): the probes run them, nothing is mocked. */
describe('chooseLauncher', () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const warnings = () =>
    lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
  const config = (env: Record<string, string> = {}) => loadConfig(env);
  beforeEach(() => (lines.length = 0));

  it('sandboxes with bubblewrap when SANDBOX is unset and bwrap works', async () => {
    const launcher = await chooseLauncher(config(), logger);
    expect(launcher).toBeInstanceOf(BwrapLauncher);
    expect(launcher.visibleCwd('/srv/x')).toBe('/workspace');
    expect(lines.join('')).toMatch(/bubblewrap sandbox/);
  });

  it('refuses SANDBOX=bwrap where bubblewrap cannot run, saying why', async () => {
    await expect(
      chooseLauncher(config({ SANDBOX: 'bwrap' }), logger, { bwrap: '/nope/bwrap' }),
    ).rejects.toThrow(/SANDBOX=bwrap but bubblewrap cannot run here: .*not installed/);
  });

  it('falls back to plain with a loud warning when unset and bwrap is missing, naming each limit', async () => {
    const launcher = await chooseLauncher(config(), logger, { bwrap: '/nope/bwrap' });
    expect(launcher).toBeInstanceOf(PlainLauncher);
    const text = warnings().map((w) => w.msg);
    expect(text.join('\n')).toMatch(/UNSANDBOXED/);
    // The defaults cap processes and file size; neither holds without the sandbox.
    expect(text.filter((t) => /SANDBOX_MAX_PROCESSES is NOT enforced/.test(t))).toHaveLength(1);
    expect(text.filter((t) => /SANDBOX_MAX_FILE_BYTES is NOT enforced/.test(t))).toHaveLength(1);
  });

  it('runs plain with a warning on SANDBOX=none', async () => {
    const launcher = await chooseLauncher(config({ SANDBOX: 'none' }), logger);
    expect(launcher).toBeInstanceOf(PlainLauncher);
    expect(
      warnings()
        .map((w) => w.msg)
        .join('\n'),
    ).toMatch(/SANDBOX=none/);
  });

  it('refuses SANDBOX_NETWORK=proxy wherever the CLI would run unsandboxed', async () => {
    await expect(
      chooseLauncher(config({ SANDBOX: 'none', SANDBOX_NETWORK: 'proxy' }), logger),
    ).rejects.toThrow(/SANDBOX_NETWORK=proxy needs the bubblewrap sandbox.*SANDBOX=none/);
    await expect(
      chooseLauncher(config({ SANDBOX_NETWORK: 'proxy' }), logger, { bwrap: '/nope/bwrap' }),
    ).rejects.toThrow(/SANDBOX_NETWORK=proxy needs the bubblewrap sandbox.*not installed/);
  });

  it('refuses SANDBOX_NETWORK=proxy without socat, saying to install it', async () => {
    await expect(
      chooseLauncher(config({ SANDBOX_NETWORK: 'proxy' }), logger, { toolDirs: ['/nonexistent'] }),
    ).rejects.toThrow(/socat.*install it/);
  });

  it('builds the proxy launcher: no host network, a per-process socket, HTTPS_PROXY inside', async () => {
    const launcher = await chooseLauncher(
      config({ SANDBOX_NETWORK: 'proxy', SANDBOX_PROXY_ALLOW: 'registry.npmjs.org' }),
      logger,
    );
    expect(lines.join('')).toContain('api.anthropic.com:443');
    expect(lines.join('')).toContain('registry.npmjs.org:443');
    let command: LaunchCommand | undefined;
    try {
      command = await launcher.prepare({
        binary: process.execPath,
        args: ['-p'],
        workspaceDir: '/srv/ws',
        configDir: '/srv/cfg',
        env: { HTTPS_PROXY: 'http://corp:8080', NO_PROXY: '*' },
      });
      expect(command.args).not.toContain('--share-net');
      const bind = command.args.indexOf('/run/claude-egress.sock');
      const socket = command.args[bind - 1];
      expect(command.args[bind - 2]).toBe('--ro-bind');
      expect(existsSync(socket)).toBe(true);
      expect(command.args.slice(-3)).toEqual(['/run/claude-egress.sock', '/opt/claude/node', '-p']);
      expect(command.env).toMatchObject({
        HTTPS_PROXY: 'http://127.0.0.1:3128',
        http_proxy: 'http://127.0.0.1:3128',
        NO_PROXY: '',
      });
      await command.release?.();
      expect(existsSync(socket)).toBe(false);
    } finally {
      await command?.release?.();
    }
  });

  it('applies the limits with prlimit inside the sandbox, reporting the process limit as root', async () => {
    const launcher = await chooseLauncher(
      config({ SANDBOX_MAX_MEMORY_BYTES: String(2 * 1024 ** 3) }),
      logger,
    );
    const command = await launcher.prepare({
      binary: process.execPath,
      args: [],
      workspaceDir: '/srv/ws',
      configDir: '/srv/cfg',
      env: {},
    });
    const inner = command.args.slice(command.args.indexOf('--') + 1);
    expect(inner[0]).toBe('prlimit');
    expect(inner).toContain(`--fsize=${1024 ** 3}`);
    expect(inner).toContain(`--as=${2 * 1024 ** 3}`);
    const processWarnings = warnings().filter((w) => /SANDBOX_MAX_PROCESSES/.test(w.msg));
    if (asRoot) {
      expect(inner).not.toContain('--nproc=512');
      expect(processWarnings).toHaveLength(1);
      expect(processWarnings[0].msg).toMatch(/root user \(uid 0\).*exempts/);
    } else {
      expect(inner).toContain('--nproc=512');
      expect(processWarnings).toHaveLength(0);
    }
  });

  it('refuses a memory limit the CLI cannot start under', async () => {
    await expect(
      chooseLauncher(config({ SANDBOX_MAX_MEMORY_BYTES: String(256 * 1024 ** 2) }), logger),
    ).rejects.toThrow(/SANDBOX_MAX_MEMORY_BYTES=268435456 is below .*1 GiB/);
  });
});
