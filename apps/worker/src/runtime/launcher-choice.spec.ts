import { existsSync } from 'node:fs';
import pino from 'pino';
import {
  BwrapLauncher,
  detectCgroups,
  PlainLauncher,
  type LaunchCommand,
  type Launcher,
} from '@app/claude';
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

  const prepared: LaunchCommand[] = [];
  afterEach(async () => {
    await Promise.all(prepared.splice(0).map((c) => c.release?.()));
  });
  async function prepare(launcher: Launcher): Promise<LaunchCommand> {
    const command = await launcher.prepare({
      binary: process.execPath,
      args: ['-p'],
      workspaceDir: '/srv/ws',
      configDir: '/srv/cfg',
      env: { HTTPS_PROXY: 'http://corp:8080', NO_PROXY: '*' },
    });
    prepared.push(command);
    return command;
  }
  /** bwrap shares the host network: `--share-net` after `--unshare-all`, or no network flag at all. */
  const sharesNetwork = (args: string[]) =>
    args.includes('--share-net') ||
    (!args.includes('--unshare-all') && !args.includes('--unshare-net'));
  const messages = () => lines.map((l) => JSON.parse(l) as { msg: string; network?: string });

  it('by default sandboxes with bubblewrap behind the egress proxy, without a network warning', async () => {
    const launcher = await chooseLauncher(config(), logger);
    expect(launcher).toBeInstanceOf(BwrapLauncher);
    expect(launcher.visibleCwd('/srv/x')).toBe('/workspace');
    const ready = messages().find((m) => /bubblewrap sandbox/.test(m.msg));
    expect(ready?.network).toBe('proxy');
    expect(sharesNetwork((await prepare(launcher)).args)).toBe(false);
    expect(
      warnings()
        .map((w) => w.msg)
        .join('\n'),
    ).not.toMatch(/NETWORK/);
  });

  it('SANDBOX_NETWORK=host is an explicit opt-in, warned about loudly', async () => {
    const launcher = await chooseLauncher(config({ SANDBOX_NETWORK: 'host' }), logger);
    expect(sharesNetwork((await prepare(launcher)).args)).toBe(true);
    expect(warnings().map((w) => w.msg)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^SANDBOX_NETWORK=host: .*NETWORK.*Redis/)]),
    );
  });

  it('refuses SANDBOX=bwrap where bubblewrap cannot run, saying why', async () => {
    await expect(
      chooseLauncher(config({ SANDBOX: 'bwrap' }), logger, { bwrap: '/nope/bwrap' }),
    ).rejects.toThrow(/SANDBOX=bwrap but bubblewrap cannot run here: .*not installed/);
  });

  it('falls back to plain with loud warnings when unset and bwrap is missing: unsandboxed, host network, each limit', async () => {
    // The default network (proxy) gives way here: the worker starts, and says so.
    const launcher = await chooseLauncher(config(), logger, { bwrap: '/nope/bwrap' });
    expect(launcher).toBeInstanceOf(PlainLauncher);
    const text = warnings().map((w) => w.msg);
    expect(text.join('\n')).toMatch(/UNSANDBOXED/);
    expect(text.join('\n')).toMatch(/worker’s NETWORK, not the egress proxy/);
    for (const variable of [
      'SANDBOX_MAX_PROCESSES',
      'SANDBOX_MAX_FILE_BYTES',
      'SANDBOX_MAX_MEMORY_BYTES',
      'SANDBOX_MAX_DISK_BYTES',
    ]) {
      expect(text.filter((t) => t.startsWith(`${variable} is NOT enforced`))).toHaveLength(1);
    }
  });

  it('runs plain with warnings on SANDBOX=none, network included', async () => {
    const launcher = await chooseLauncher(config({ SANDBOX: 'none' }), logger);
    expect(launcher).toBeInstanceOf(PlainLauncher);
    const text = warnings()
      .map((w) => w.msg)
      .join('\n');
    expect(text).toMatch(/SANDBOX=none/);
    expect(text).toMatch(/worker’s NETWORK/);
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
      config({ SANDBOX_PROXY_ALLOW: 'registry.npmjs.org' }),
      logger,
    );
    expect(lines.join('')).toContain('api.anthropic.com:443');
    expect(lines.join('')).toContain('registry.npmjs.org:443');
    const command = await prepare(launcher);
    expect(sharesNetwork(command.args)).toBe(false);
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
  });

  it('applies the default limits: a session cgroup, a uid of its own as root, rlimits inside', async () => {
    const cgroups = await detectCgroups();
    const launcher = await chooseLauncher(config(), logger);
    const command = await prepare(launcher);
    const bwrapAt = command.args.indexOf('bwrap');
    const inner = command.args.slice(command.args.indexOf('--', bwrapAt) + 1);
    if (cgroups.ok) {
      // The sandbox joins its cgroups on the host before bwrap starts.
      expect(command.command).toBe('/bin/sh');
      expect(command.args.filter((a) => a.endsWith('/cgroup.procs')).length).toBeGreaterThan(0);
    } else {
      expect(command.command).toBe('bwrap');
    }
    const prlimit = inner.slice(inner.indexOf('prlimit'));
    expect(prlimit).toContain(`--fsize=${1024 ** 3}`);
    // The memory limit is the cgroup's (the session's total); RLIMIT_AS only without one.
    expect(prlimit.includes(`--as=${2 * 1024 ** 3}`)).toBe(!cgroups.ok);
    if (asRoot) {
      expect(inner[0]).toMatch(/setpriv$/);
      expect(inner[1]).toMatch(/^--reuid=6\d{4}$/);
      expect(command.args).not.toContain('--unshare-all');
    }
    expect(prlimit).toContain('--nproc=512');
    expect(warnings()).toEqual([]);
  });

  it('refuses a memory limit the CLI cannot start under', async () => {
    await expect(
      chooseLauncher(config({ SANDBOX_MAX_MEMORY_BYTES: String(256 * 1024 ** 2) }), logger),
    ).rejects.toThrow(/SANDBOX_MAX_MEMORY_BYTES=268435456 is below .*1 GiB/);
  });
});
