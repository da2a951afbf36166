/**
 * What `npm start` prints, as a person and as a log collector see it: on a terminal (a real
 * pseudo-terminal, through util-linux `script`) readable lines ending in the MCP URL, the auth
 * mode and the command that adds the server to Claude Code; into a pipe JSON lines ending in one
 * `ready` record with the same facts. Never a key. A second `npm start` on a taken port names the
 * variable that moves it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@app/testing/eventually';
import { freePort } from '@app/testing/services';

const ROOT = join(__dirname, '..');
const TENANT_KEY = 'acme-key-0123456789abcdef';

/** `npm start`'s node arguments and entry, as package.json has them. */
const START = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts.start
  .split(' ')
  .slice(1);

interface Started {
  child: ChildProcess;
  output(): string;
}

const dirs: string[] = [];
const children: ChildProcess[] = [];

/**
 * Starts `npm start` with a clean environment (no Anthropic credentials from the host) in its
 * own process group; `tty` runs it under `script`, which gives it a pseudo-terminal as stdout.
 */
function npmStart(env: Record<string, string>, tty = false): Started {
  const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
  dirs.push(dataDir);
  const fullEnv = { PATH: process.env.PATH ?? '', HOME: dataDir, DATA_DIR: dataDir, ...env };
  const command = [process.execPath, ...START].map((w) => `'${w}'`).join(' ');
  const child = tty
    ? spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: fullEnv, detached: true })
    : spawn(process.execPath, START, { cwd: ROOT, env: fullEnv, detached: true });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
}

async function printed(text: string | RegExp, { child, output }: Started): Promise<void> {
  await eventually(
    () => `${String(text)} in the output: ${output()}`,
    () => (typeof text === 'string' ? output().includes(text) : text.test(output())),
    {
      timeoutMs: 90_000,
      intervalMs: 100,
      abort: () =>
        child.exitCode === null && child.signalCode === null
          ? undefined
          : new Error(`exited (${child.exitCode ?? child.signalCode}) first: ${output()}`),
    },
  );
}

/** SIGTERM to the whole group (as Ctrl-C would), then the exit. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(-(child.pid ?? 0), 'SIGTERM');
  const timer = setTimeout(() => process.kill(-(child.pid ?? 0), 'SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r/g, '');

afterAll(async () => {
  await Promise.all(children.map(stop));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('npm start on a terminal', () => {
  it('prints readable lines, no Nest start-up chatter, and ends with how to connect', async () => {
    const [port, health] = [await freePort(), await freePort()];
    const running = npmStart({ PORT: String(port), WORKER_HEALTH_PORT: String(health) }, true);
    await printed('Ctrl-C stops it.', running);
    const out = plain(running.output());
    await stop(running.child);

    const mcp = `http://127.0.0.1:${port}/mcp`;
    const lines = out.split('\n');
    const banner = lines.slice(lines.findIndex((l) => l.includes('is ready')));
    expect(banner.map((l) => l.trimEnd()).filter(Boolean)).toEqual([
      'Claude session backend is ready.',
      `  MCP endpoint:     ${mcp}`,
      '  Auth:             no keys (MCP_API_KEYS unset): only clients on this machine, all as tenant "local"',
      '  Add it to Claude Code:',
      `    claude mcp add --transport http claude-sessions ${mcp}`,
      expect.stringMatching(/^ {2}Warning: +no Anthropic credentials: set ANTHROPIC_API_KEY/),
      '  Ctrl-C stops it.',
    ]);
    // Log lines are lines, not JSON, and Nest's module and route chatter stays below info.
    expect(out).not.toMatch(/^\{"level"/m);
    expect(out).not.toMatch(/Mapped \{|dependencies initialized|Nest application/);
    // The worker warns at start-up too, naming the variable.
    expect(out).toMatch(/WARN.*no Anthropic credentials: ANTHROPIC_API_KEY is unset/);
    expect(lines.filter((l) => l.trim()).length).toBeLessThan(25);
  });
});

describe('npm start into a pipe', () => {
  let first: Started;
  let port: number;
  let health: number;
  beforeAll(async () => {
    [port, health] = [await freePort(), await freePort()];
    first = npmStart({
      PORT: String(port),
      WORKER_HEALTH_PORT: String(health),
      MCP_API_KEYS: `acme:${TENANT_KEY}`,
    });
    await printed('"msg":"ready"', first);
  });

  it('prints JSON lines ending in a ready record: MCP URL, auth, client set-up, no key', () => {
    const out = first.output();
    const records = out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const mcp = `http://127.0.0.1:${port}/mcp`;
    expect(records.at(-1)).toMatchObject({
      msg: 'ready',
      mcp,
      auth: 'bearer',
      tenants: ['acme'],
      clientSetup: `claude mcp add --transport http claude-sessions ${mcp} --header "Authorization: Bearer <key of tenant acme>"`,
    });
    expect(out).not.toContain(TENANT_KEY);
    expect(
      records.find((r) => r.level === 40 && /ANTHROPIC_API_KEY/.test(String(r.msg))),
    ).toBeTruthy();
    expect(records.some((r) => r.context === 'RouterExplorer')).toBe(false);
  });

  it('a second npm start on the same worker port names WORKER_HEALTH_PORT', async () => {
    const second = npmStart({ PORT: String(await freePort()), WORKER_HEALTH_PORT: String(health) });
    const [code] = (await once(second.child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(second.output()).toContain(
      `127.0.0.1:${health} is already in use (another npm start, or another program): set WORKER_HEALTH_PORT to a free port`,
    );
  });

  it('a second npm start on the same gateway port names PORT', async () => {
    const second = npmStart({ PORT: String(port), WORKER_HEALTH_PORT: String(await freePort()) });
    const [code] = (await once(second.child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(second.output()).toContain(
      `127.0.0.1:${port} is already in use (another npm start, or another program): set PORT to a free port`,
    );
  });
});
