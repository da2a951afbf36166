/**
 * SANDBOX_NETWORK=proxy with the real claude CLI inside bubblewrap, the Messages API stub and a
 * real Redis on the host: the CLI reaches the API only through the worker's egress proxy, the
 * tools it runs reach nothing else, and the worker's secrets are not inside.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createSandboxLauncher,
  discoverClaudeBinary,
  probeBwrap,
  type Launcher,
  type SandboxLog,
} from '@app/claude';
import { startMessagesStub, type MessagesStub } from '@app/testing/messages-stub';
import { startTestRedis, type TestRedis } from '@app/testing/services';
import { DrivenProcess, makeSessionDirs, type SessionDirs } from './support/cli-session';
import { secondRequestToolResult, section } from './support/tool-output';

const binary = discoverClaudeBinary({ path: '' });
const hasCurl = existsSync('/usr/bin/curl');
let stub: MessagesStub;
let redis: TestRedis;
let dirs: SessionDirs;
let runtimeDir: string;
let launcher: Launcher;
const logged: Array<{ level: string; msg: string } & Record<string, unknown>> = [];
const log: SandboxLog = {
  info: (fields, msg) => logged.push({ level: 'info', msg, ...fields }),
  warn: (fields, msg) => logged.push({ level: 'warn', msg, ...fields }),
};
const running: DrivenProcess[] = [];

beforeAll(async () => {
  const probe = await probeBwrap();
  if (!probe.ok) throw new Error(`test/sandbox-network.test.ts needs bubblewrap: ${probe.reason}`);
  [stub, redis] = await Promise.all([startMessagesStub(), startTestRedis({ label: 'sbxnet' })]);
});
afterAll(async () => {
  await Promise.all([stub?.close(), redis?.close()]);
});
beforeEach(async () => {
  stub.reset();
  logged.length = 0;
  dirs = makeSessionDirs('sbxnet-');
  runtimeDir = join(dirs.root, 'run');
  mkdirSync(runtimeDir, { recursive: true });
  launcher = await createSandboxLauncher({
    network: 'proxy',
    apiBaseUrl: stub.url,
    log,
    runtimeDir,
  });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.process.terminate(1000)));
  dirs.remove();
});

async function start(env: Record<string, string> = {}): Promise<DrivenProcess> {
  const p = await DrivenProcess.start(
    binary,
    dirs,
    {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: stub.url,
      // Should the CLI send before the bridge listens, a retry would hide it: no retries.
      CLAUDE_CODE_MAX_RETRIES: '0',
      ...env,
    },
    { allowedTools: ['Bash'] },
    { launcher, envOverrides: { CLAUDE_CODE_MAX_RETRIES: '0' } },
  );
  running.push(p);
  return p;
}

/** Runs `command` through the CLI's Bash tool and returns the tool_result text. */
async function runBash(p: DrivenProcess, command: string): Promise<string> {
  stub.enqueue(
    { toolUse: { name: 'Bash', input: { command, description: 'probe' } } },
    { text: 'done' },
  );
  const result = await p.turn('Run it.', 60_000);
  expect(result).toMatchObject({ subtype: 'success', is_error: false });
  return secondRequestToolResult(stub);
}

describe('SANDBOX_NETWORK=proxy with the real CLI', () => {
  it('reaches the API through the proxy while Bash cannot reach Redis on the host', async () => {
    const port = redis.port;
    const command = [
      `echo "== tcp"; bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' 2>&1 && echo tcp-open || echo tcp-failed`,
      ...(hasCurl
        ? [
            `echo "== via-proxy"; curl -sS -m 5 -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:${port}/ 2>&1`,
            `echo "== connect"; curl -sS -m 5 -p -x "$HTTPS_PROXY" http://127.0.0.1:${port}/ 2>&1; echo "rc=$?"`,
            `echo "== direct"; curl -sS -m 5 --noproxy '*' http://127.0.0.1:${port}/ 2>&1; echo "rc=$?"`,
          ]
        : []),
      'echo "== proxy"; echo "$HTTPS_PROXY $http_proxy [$NO_PROXY]"',
      'echo "== end"',
    ].join('; ');
    const p = await start();
    const out = await runBash(p, command);

    // The turn itself went through: both model round trips arrived at the stub.
    expect(stub.conversationRequests()).toHaveLength(2);
    expect(section(out, 'tcp')).toMatch(/Connection refused[\s\S]*tcp-failed/);
    expect(section(out, 'proxy')).toBe('http://127.0.0.1:3128 http://127.0.0.1:3128 []');
    if (hasCurl) {
      expect(section(out, 'via-proxy').trim()).toBe('403');
      expect(section(out, 'connect')).toMatch(/CONNECT tunnel failed, response 403[\s\S]*rc=56/);
      expect(section(out, 'direct')).toMatch(/Failed to connect|Couldn't connect/);
      const denied = logged.filter((l) => l.msg === 'sandbox egress denied');
      expect(denied.map((l) => l.target)).toEqual(expect.arrayContaining([`127.0.0.1:${port}`]));
      expect(denied[0]).toMatchObject({ workspace: dirs.workspaceDir });
      expect(JSON.stringify(logged)).not.toContain('test-key');
    }
  });

  it("keeps the worker's Redis and S3 credentials out of env, /proc/*/environ and cmdlines", async () => {
    const secrets = {
      REDIS_URL: `redis://:redis-secret-pw@127.0.0.1:${redis.port}`,
      S3_ACCESS_KEY_ID: 'AKIA-S3-SECRET-ID',
      S3_SECRET_ACCESS_KEY: 's3-secret-access-key',
      MCP_API_KEYS: 'acme:mcp-secret-key-0123456789',
    };
    const command = [
      'echo "== env"; env',
      'echo "== environ"; for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f" 2>&1; done',
      'echo "== cmdline"; for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f"; echo; done',
      'echo "== init"; tr "\\0" " " </proc/1/cmdline; echo',
      'echo "== end"',
    ].join('; ');
    const p = await start(secrets);
    const out = await runBash(p, command);

    expect(section(out, 'env')).toContain('CLAUDE_CONFIG_DIR=/claude');
    expect(section(out, 'environ')).toContain('HTTPS_PROXY=http://127.0.0.1:3128');
    expect(section(out, 'cmdline')).toMatch(/socat TCP-LISTEN:3128/);
    expect(section(out, 'init')).toMatch(/^bwrap /);
    for (const value of [
      'redis-secret-pw',
      'AKIA-S3-SECRET-ID',
      's3-secret-access-key',
      'mcp-secret-key',
    ]) {
      expect(out).not.toContain(value);
    }
    for (const name of Object.keys(secrets)) expect(out).not.toContain(`${name}=`);
  });

  it('closes the proxy and removes its socket when the CLI exits', async () => {
    stub.enqueue({ text: 'hi' });
    const p = await start();
    await p.turn('hello');
    expect(readdirSync(runtimeDir)).toHaveLength(1);
    p.process.closeInput();
    expect(await p.process.exited).toMatchObject({ code: 0 });
    expect(readdirSync(runtimeDir)).toEqual([]);
  });

  it('sends an https API base URL as CONNECT host:443, resolved by the proxy, not in the sandbox', async () => {
    // The sandbox has no DNS; the proxy tries the (unresolvable) host and answers 502.
    const baseUrl = 'https://anthropic-api.invalid';
    launcher = await createSandboxLauncher({
      network: 'proxy',
      apiBaseUrl: baseUrl,
      log,
      runtimeDir,
    });
    const p = await start({ ANTHROPIC_BASE_URL: baseUrl });
    const result = await p.turn('hello?', 45_000);
    expect(result.is_error).toBe(true);
    const failed = logged.filter((l) => l.msg === 'sandbox egress upstream failed');
    expect(failed[0]).toMatchObject({ target: 'anthropic-api.invalid:443' });
    expect(String(failed[0].error)).toMatch(/ENOTFOUND|EAI_AGAIN/);
  });
});
