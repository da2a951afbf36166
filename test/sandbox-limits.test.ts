/**
 * Per-session resource limits (SANDBOX_MAX_*) as the sandbox launcher applies them, one
 * mechanism at a time: file size through the real CLI's Bash tool; memory as the session's
 * total (cgroup) and, where no cgroup can be made, per process (RLIMIT_AS); the process limit
 * as RLIMIT_NPROC for a non-root worker, for a root worker that gives each sandbox its own uid,
 * and as the cgroup's pids.max. A mechanism that does not hold is reported, never dropped.
 * test/sandbox-containment.test.ts runs the defaults end to end.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createSandboxLauncher,
  detectCgroups,
  discoverClaudeBinary,
  probeBwrap,
  type Launcher,
  type SandboxLimits,
  type SandboxLog,
} from '@app/claude';
import { startMessagesStub, type MessagesStub } from '@app/testing/messages-stub';
import { DrivenProcess, makeSessionDirs, type SessionDirs } from './support/cli-session';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const binary = discoverClaudeBinary({ path: '' });
let stub: MessagesStub;
let dirs: SessionDirs;
const warnings: string[] = [];
const log: SandboxLog = { info: () => undefined, warn: (_fields, msg) => warnings.push(msg) };
const running: DrivenProcess[] = [];

beforeAll(async () => {
  const probe = await probeBwrap();
  if (!probe.ok) throw new Error(`test/sandbox-limits.test.ts needs bubblewrap: ${probe.reason}`);
  stub = await startMessagesStub();
});
afterAll(async () => {
  await stub?.close();
});
beforeEach(() => {
  stub.reset();
  warnings.length = 0;
  dirs = makeSessionDirs('sbxlim-');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.process.terminate(1000)));
  dirs.remove();
});

const limits = (l: Partial<SandboxLimits>): SandboxLimits => ({
  maxProcesses: 0,
  maxFileBytes: 0,
  maxMemoryBytes: 0,
  maxDiskBytes: 0,
  ...l,
});
const asRoot = readFileSync('/proc/self/status', 'utf8').match(/^Uid:\s+0\s/m) !== null;

async function bashThroughCli(launcher: Launcher, command: string): Promise<string> {
  stub.enqueue(
    { toolUse: { name: 'Bash', input: { command, description: 'probe' } } },
    { text: 'done' },
  );
  const p = await DrivenProcess.start(
    binary,
    dirs,
    { PATH: '/usr/bin:/bin', ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: stub.url },
    { allowedTools: ['Bash'] },
    { launcher },
  );
  running.push(p);
  expect(await p.turn('Run it.', 60_000)).toMatchObject({ is_error: false });
  const [, second] = await stub.waitForConversationRequests(2);
  const last = second.messages.at(-1) as { content: Array<{ content?: unknown }> };
  const content = last.content[0]?.content;
  return typeof content === 'string' ? content : JSON.stringify(content);
}

describe('file size and memory limits, through the real CLI', () => {
  const write = 'head -c 2M /dev/zero > big.bin; echo "rc=$?"';

  it('SANDBOX_MAX_FILE_BYTES stops a write at the limit', async () => {
    const launcher = await createSandboxLauncher({
      network: 'host',
      limits: limits({ maxFileBytes: MiB }),
      log,
    });
    const out = await bashThroughCli(launcher, write);
    // 153 = 128 + SIGXFSZ: the kernel stopped the writer.
    expect(out).toMatch(/File size limit exceeded[\s\S]*rc=153|rc=153/);
    expect(statSync(join(dirs.workspaceDir, 'big.bin')).size).toBe(MiB);
    expect(warnings).toEqual([]);
  });

  it('without it the same write succeeds (the test can fail)', async () => {
    const launcher = await createSandboxLauncher({ network: 'host', limits: limits({}), log });
    expect(await bashThroughCli(launcher, write)).toContain('rc=0');
    expect(statSync(join(dirs.workspaceDir, 'big.bin')).size).toBe(2 * MiB);
  });

  it('SANDBOX_MAX_MEMORY_BYTES caps the session’s total memory (cgroup); the CLI still runs', async () => {
    const launcher = await createSandboxLauncher({
      network: 'host',
      limits: limits({ maxMemoryBytes: GiB }),
      log,
    });
    expect(warnings).toEqual([]);
    // Two processes of 700 MB each: each alone is fine, together they pass the session's 1 GiB.
    const hog = 'perl -e \'$x = "x" x (700 * 2**20); sleep 2\'';
    const out = await bashThroughCli(
      launcher,
      `grep "Max address space" /proc/self/limits; (${hog}) & (${hog}) & wait; echo "rc=$?"`,
    );
    expect(out).toMatch(/Max address space\s+unlimited/);
    expect(out).toMatch(/Killed|rc=137/);
  });

  it('falls back to RLIMIT_AS per process where no cgroup can be made, and says so', async () => {
    const launcher = await createSandboxLauncher({
      network: 'host',
      limits: limits({ maxMemoryBytes: GiB }),
      log,
      cgroups: false,
    });
    expect(warnings).toEqual([
      expect.stringMatching(
        /^SANDBOX_MAX_MEMORY_BYTES is only partly enforced: holds per process only/,
      ),
    ]);
    const out = await bashThroughCli(
      launcher,
      'grep "Max address space" /proc/self/limits; head -c 1500M /dev/zero | tail -c 1400M | wc -c',
    );
    expect(out).toMatch(/Max address space\s+1073741824\s+1073741824\s+bytes/);
    expect(out).toMatch(/tail: memory exhausted/);
  });
});

describe('the process limit', () => {
  /** bwrap started as uid/gid 65534, as a worker in a pod with runAsUser would start it. */
  function nonRootBwrap(): string {
    const path = join(dirs.root, 'bwrap-as-nobody');
    mkdirSync(dirs.root, { recursive: true });
    writeFileSync(
      path,
      '#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups bwrap "$@"\n',
    );
    chmodSync(path, 0o755);
    chmodSync(dirs.root, 0o755);
    for (const dir of [dirs.workspaceDir, dirs.configDir]) {
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777);
    }
    return path;
  }

  async function runShell(launcher: Launcher, script: string) {
    const command = await launcher.prepare({
      binary: '/usr/bin/dash',
      args: ['-c', script],
      workspaceDir: dirs.workspaceDir,
      configDir: dirs.configDir,
      env: {},
    });
    const child = spawn(command.command, command.args, { env: command.env, cwd: '/' });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    await new Promise((resolve) => child.on('close', resolve));
    await command.release?.();
    return output;
  }

  const spawnSleeps = (n: number) =>
    `i=0; while [ $i -lt ${n} ]; do sleep 3 & i=$((i+1)); done; echo "spawned"; wait`;

  async function threeSandboxes(launcher: Launcher) {
    for (const dir of [dirs.workspaceDir, dirs.configDir]) mkdirSync(dir, { recursive: true });
    return Promise.all([
      runShell(launcher, spawnSleeps(12)),
      runShell(launcher, spawnSleeps(12)),
      runShell(launcher, spawnSleeps(40)),
    ]);
  }

  it('holds per sandbox for a non-root worker: other sandboxes of the same uid do not count', async () => {
    const launcher = await createSandboxLauncher({
      network: 'host',
      limits: limits({ maxProcesses: 20 }),
      log,
      bwrap: nonRootBwrap(),
      cgroups: false,
    });
    expect(warnings).toEqual([]);
    const [a, b, over] = await threeSandboxes(launcher);
    expect(a).not.toMatch(/Cannot fork/);
    expect(b).not.toMatch(/Cannot fork/);
    expect(over).toMatch(/Cannot fork/);
  });

  (asRoot ? it : it.skip)(
    'holds for a root worker that gives each sandbox its own uid (SANDBOX_UID_BASE)',
    async () => {
      const launcher = await createSandboxLauncher({
        network: 'host',
        limits: limits({ maxProcesses: 20 }),
        uidBase: 60_000,
        log,
        cgroups: false,
      });
      expect(warnings).toEqual([]);
      const [a, b, over] = await threeSandboxes(launcher);
      expect(a).not.toMatch(/Cannot fork/);
      expect(b).not.toMatch(/Cannot fork/);
      expect(over).toMatch(/Cannot fork/);
      // The sandbox's files belong to its uid, not to root.
      expect(statSync(dirs.workspaceDir).uid).toBeGreaterThanOrEqual(60_000);
    },
  );

  it('holds as the cgroup’s pids.max, root or not', async () => {
    const detected = await detectCgroups({ want: { pids: true, memory: false } });
    if (!detected.ok) throw new Error(`this test needs per-session cgroups: ${detected.reason}`);
    const launcher = await createSandboxLauncher({
      network: 'host',
      limits: limits({ maxProcesses: 20 }),
      log,
    });
    expect(warnings).toEqual([]);
    const [a, b, over] = await threeSandboxes(launcher);
    expect(a).not.toMatch(/Cannot fork/);
    expect(b).not.toMatch(/Cannot fork/);
    expect(over).toMatch(/Cannot fork/);
  });

  it('is reported, not silently dropped, where the kernel exempts the worker (real root, no uid, no cgroup)', async () => {
    await createSandboxLauncher({
      network: 'host',
      limits: limits({ maxProcesses: 20 }),
      log,
      cgroups: false,
    });
    if (asRoot) {
      expect(warnings).toEqual([
        expect.stringMatching(/^SANDBOX_MAX_PROCESSES is NOT enforced: .*uid 0/),
      ]);
    } else {
      expect(warnings).toEqual([]);
    }
  });
});
