/**
 * The real claude CLI inside bubblewrap (BwrapLauncher), driven against the local Messages
 * API stub. bwrap is required: CI installs it, so a missing bwrap fails the suite loudly.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import {
  BwrapLauncher,
  discoverClaudeBinary,
  probeBwrap,
  transcriptPath,
  type ClaudeMessage,
  type SandboxNetwork,
} from '@app/claude';
import { startMessagesStub, type MessagesStub } from '@app/testing/messages-stub';
import { DrivenProcess, makeSessionDirs, type SessionDirs } from './support/cli-session';
import { secondRequestToolResult, section } from './support/tool-output';

const binary = discoverClaudeBinary({ path: '' });
let stub: MessagesStub;
let dirs: SessionDirs;
let env: Record<string, string>;
const running: DrivenProcess[] = [];
const cleanup: SessionDirs[] = [];

beforeAll(async () => {
  const probe = await probeBwrap();
  if (!probe.ok) {
    throw new Error(
      `test/sandbox.test.ts needs a working bubblewrap: ${probe.reason}. ` +
        'Install it with `apt-get install -y bubblewrap` (CI does).',
    );
  }
  stub = await startMessagesStub();
});
afterAll(async () => {
  await stub?.close();
});
beforeEach(() => {
  stub.reset();
  dirs = sessionDirs();
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: stub.url,
    REDIS_URL: 'redis://:worker-secret@127.0.0.1:6379',
  };
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.process.terminate(1000)));
  for (const d of cleanup.splice(0)) d.remove();
});

function sessionDirs(prefix = 'sbx-'): SessionDirs {
  const d = makeSessionDirs(prefix);
  cleanup.push(d);
  return d;
}

async function start(
  flags = {},
  target = dirs,
  network: SandboxNetwork = 'host',
  envOverrides: Record<string, string> = {},
): Promise<DrivenProcess> {
  const launcher = new BwrapLauncher({ network });
  const p = await DrivenProcess.start(binary, target, env, flags, { launcher, envOverrides });
  running.push(p);
  return p;
}

const sessionIdOf = (p: DrivenProcess) => {
  const init = p.messages().find((m) => m.type === 'system' && m.subtype === 'init');
  return String((init as { session_id?: string }).session_id);
};

/** The text of the tool_result the CLI sent back in the second request. */
const toolResultText = () => secondRequestToolResult(stub);

describe('BwrapLauncher.prepare', () => {
  it('builds an argument array with fixed in-sandbox paths and keeps secrets out of argv', async () => {
    const launcher = new BwrapLauncher({ network: 'none' });
    const cmd = await launcher.prepare({
      binary,
      args: ['-p'],
      workspaceDir: '/srv/ws',
      configDir: '/srv/cfg',
      env: { ANTHROPIC_API_KEY: 'sk-secret', PATH: '/host/only/bin' },
    });
    expect(cmd.command).toBe('bwrap');
    expect(cmd.args).toEqual(
      expect.arrayContaining(['--bind', '/srv/ws', '/workspace', '--unshare-all', '--cap-drop']),
    );
    expect(cmd.args).not.toContain('--share-net');
    expect(cmd.args.slice(-3)).toEqual(['--', '/opt/claude/claude.exe', '-p']);
    expect(cmd.args.join(' ')).not.toContain('sk-secret');
    expect(cmd.env).toMatchObject({
      ANTHROPIC_API_KEY: 'sk-secret',
      CLAUDE_CONFIG_DIR: '/claude',
      PWD: '/workspace',
      PATH: '/usr/local/bin:/usr/bin:/bin',
    });
    expect(launcher.visibleCwd()).toBe('/workspace');
  });

  it('refuses relative host paths', async () => {
    const launcher = new BwrapLauncher({ network: 'host' });
    await expect(
      launcher.prepare({ binary, args: [], workspaceDir: 'ws', configDir: '/c', env: {} }),
    ).rejects.toThrow(/workspaceDir must be absolute/);
  });
});

describe('the real CLI inside bubblewrap', () => {
  it('runs a text turn and exits 0', async () => {
    stub.enqueue({ text: 'Hello from the sandbox.' });
    const p = await start();
    const result = await p.turn('Say hello.');
    expect(result).toMatchObject({ subtype: 'success', is_error: false });
    p.process.closeInput();
    expect(await p.process.exited).toMatchObject({ code: 0, signal: null, reason: 'exited' });
  });

  it('isolates Bash: filesystem, PID namespace, environment, capabilities', async () => {
    const neighbour = sessionDirs('sbx-other-');
    mkdirSync(neighbour.workspaceDir, { recursive: true });
    const neighbourFile = join(neighbour.workspaceDir, 'private.txt');
    writeFileSync(neighbourFile, 'neighbour-secret');
    const command = [
      'echo "== ls"; ls /',
      'echo "== init"; tr "\\0" " " </proc/1/cmdline; echo',
      'echo "== env"; env',
      'echo "== caps"; grep CapEff /proc/self/status',
      'echo "== write"; echo made-inside > /workspace/made.txt && echo written',
      `echo "== other"; cat ${neighbourFile} 2>&1 || echo other-read-failed`,
      'echo "== end"',
    ].join('; ');
    stub.enqueue(
      { toolUse: { name: 'Bash', input: { command, description: 'probe' } } },
      { text: 'ok' },
    );
    const p = await start({ allowedTools: ['Bash'] });
    expect((await p.turn('Run it.')).is_error).toBe(false);
    const out = await toolResultText();

    const root = section(out, 'ls').split('\n').filter(Boolean);
    expect(root).toEqual(expect.arrayContaining(['claude', 'opt', 'usr', 'workspace']));
    for (const host of ['work', 'root', 'srv', 'var', 'mnt']) expect(root).not.toContain(host);
    // PID 1 is bwrap's own init, not the host's init or container entrypoint.
    expect(section(out, 'init')).toMatch(/^bwrap /);
    const environment = section(out, 'env');
    expect(environment).not.toContain('worker-secret');
    expect(environment).not.toContain('REDIS_URL');
    expect(environment).toContain('CLAUDE_CONFIG_DIR=/claude');
    expect(environment).toContain('PWD=/workspace');
    expect(section(out, 'caps')).toMatch(/CapEff:\s+0+\s*$/);
    expect(readFileSync(join(dirs.workspaceDir, 'made.txt'), 'utf8')).toBe('made-inside\n');
    expect(section(out, 'other')).toMatch(/No such file or directory[\s\S]*other-read-failed/);

    const file = transcriptPath(dirs.configDir, '/workspace', sessionIdOf(p));
    expect(file).toBe(join(dirs.configDir, 'projects', '-workspace', `${sessionIdOf(p)}.jsonl`));
    expect(existsSync(file)).toBe(true);
  });

  it('resumes from a transcript moved to another host directory (same in-sandbox path)', async () => {
    stub.enqueue({ text: 'The secret word is PLUM.' });
    const first = await start();
    await first.turn('Remember a word.');
    const sessionId = sessionIdOf(first);
    first.process.closeInput();
    await first.process.exited;

    const other = sessionDirs('sbx-moved-');
    const from = transcriptPath(dirs.configDir, '/workspace', sessionId);
    const to = transcriptPath(other.configDir, '/workspace', sessionId);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
    dirs.remove();

    stub.enqueue({ text: 'It was PLUM.' });
    const resumed = await start({ resume: sessionId }, other);
    const result = await resumed.turn('What was the word?');
    expect(result.is_error).toBe(false);
    const history = JSON.stringify(stub.conversationRequests().at(-1)?.messages);
    expect(history).toContain('The secret word is PLUM.');
    expect(sessionIdOf(resumed)).toBe(sessionId);
    expect(readFileSync(to, 'utf8')).toContain('It was PLUM.');
  });

  it("with network 'none' cannot reach an API on the host's loopback", async () => {
    stub.enqueue({ text: 'never delivered' });
    // Retries would back off for minutes; one attempt shows the same failure.
    const p = await start({}, dirs, 'none', { CLAUDE_CODE_MAX_RETRIES: '0' });
    const result = await p.turn('hello?', 45_000);
    expect(result.is_error).toBe(true);
    expect(JSON.stringify(result)).toMatch(/connection/i);
    expect(stub.conversationRequests()).toHaveLength(0);
    const messages: ClaudeMessage[] = p.messages();
    expect(messages.some((m) => m.type === 'system' && m.subtype === 'init')).toBe(true);
  });
});

describe('probeBwrap', () => {
  it('reports ok where namespaces work, quickly', async () => {
    const started = Date.now();
    expect(await probeBwrap()).toEqual({ ok: true });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('says bwrap is not installed when the binary is missing', async () => {
    const probe = await probeBwrap('/nonexistent/bwrap');
    expect(probe).toMatchObject({ ok: false, reason: expect.stringMatching(/not installed/) });
  });

  it("says user namespaces are denied, with bwrap's stderr", async () => {
    // A bwrap that runs inside a capability-less sandbox: namespace creation is refused there,
    // as in a cluster that denies user namespaces.
    const fake = join(dirs.root, 'denied-bwrap');
    mkdirSync(dirs.root, { recursive: true });
    writeFileSync(
      fake,
      '#!/bin/sh\nexec bwrap --ro-bind / / --unshare-user --cap-drop ALL --dev /dev --proc /proc -- bwrap "$@"\n',
    );
    chmodSync(fake, 0o755);
    const probe = await probeBwrap(fake);
    expect(probe.ok).toBe(false);
    const reason = probe.ok ? '' : probe.reason;
    expect(reason).toMatch(/user namespaces are disabled or denied/);
    expect(reason).toMatch(/setting up uid map: Operation not permitted/);
  });
});
