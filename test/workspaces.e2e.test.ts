/**
 * Workspaces end to end over MCP, with the real CLI (sandboxed) and the stub, a real Redis and a
 * real S3-protocol server: seed from a git repository and from an archive, a tool call that
 * writes files, checkpoint, terminate, restore on a different worker process with its own
 * DATA_DIR, and the workspace_* tools answered by a different gateway.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { discoverClaudeBinary } from '@app/claude';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { startMessagesStub, type MessagesStub } from '@app/testing/messages-stub';
import { startTestRedis, startTestS3, type TestRedis, type TestS3 } from '@app/testing/services';
import {
  callTool,
  callToolAnswer,
  connectClient,
  startSystem,
  type RunningSystem,
} from './support/system';

let redis: TestRedis;
let s3: TestS3;
let stub: MessagesStub;
let system: RunningSystem;
let repo: string;
const scratch = mkdtempSync(join(tmpdir(), 'ws-e2e-'));

beforeAll(async () => {
  [redis, s3, stub] = await Promise.all([
    startTestRedis({ label: 'ws' }),
    startTestS3({ label: 'ws' }),
    startMessagesStub(),
  ]);
  repo = bareRepository(scratch);
  system = await startSystem({
    redisUrl: redis.url,
    keyPrefix: redis.keyPrefix,
    env: {
      ...s3.env(),
      CLAUDE_BIN: discoverClaudeBinary({ path: '' }),
      ANTHROPIC_BASE_URL: stub.url,
      ANTHROPIC_API_KEY: 'test-key',
      GIT_ALLOWED_URLS: 'file://',
      WORKSPACE_MAX_BYTES: String(4 * 1024 * 1024),
      WORKSPACE_EXCLUDES: '*.tmp',
    },
  });
});

afterAll(async () => {
  await system?.close();
  await Promise.allSettled([stub?.close(), redis?.close(), s3?.close()]);
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => stub.reset());

interface Turn {
  sessionId: string;
  status: string;
  result?: { result?: string; is_error: boolean };
}
interface Listing {
  entries: Array<{ path: string; type: string; size: number; mode: number }>;
}
interface Read {
  content: string;
  encoding: string;
  size: number;
}
interface Diff {
  diff: string;
  files: Array<{ path: string; change: string }>;
}

/** A bare repository with a README, an executable script and a symlink, on `main` and tag v1. */
function bareRepository(root: string): string {
  const work = join(root, 'src');
  const bare = join(root, 'repo.git');
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd });
  execFileSync('git', ['init', '-q', '-b', 'main', work]);
  writeFileSync(join(work, 'README.md'), 'seeded from git\n');
  writeFileSync(join(work, 'build.sh'), '#!/bin/sh\necho build\n', { mode: 0o755 });
  execFileSync('ln', ['-s', 'README.md', join(work, 'LINK')]);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'seed');
  git(work, 'tag', 'v1');
  execFileSync('git', ['clone', '-q', '--bare', work, bare]);
  return bare;
}

function bash(command: string) {
  return { toolUse: { name: 'Bash', input: { command, description: 'workspace test' } } };
}

/** The text of the last tool result the CLI sent to the model. */
function lastToolResult(): string {
  for (const request of [...stub.conversationRequests()].reverse()) {
    for (const message of [...request.messages].reverse()) {
      const content = (message as { content?: unknown }).content;
      if (!Array.isArray(content)) continue;
      const result = content.find((b: { type?: string }) => b.type === 'tool_result') as
        { content?: unknown } | undefined;
      if (result) {
        return typeof result.content === 'string' ? result.content : JSON.stringify(result.content);
      }
    }
  }
  throw new Error('no tool result was sent to the model');
}

async function tarGz(
  entries: Array<{
    name: string;
    body?: string;
    mode?: number;
    linkname?: string;
    type?: 'file' | 'symlink' | 'directory';
  }>,
): Promise<string> {
  const archive = pack();
  for (const e of entries) {
    archive.entry(
      { name: e.name, mode: e.mode, type: e.type ?? 'file', linkname: e.linkname },
      e.body ?? '',
    );
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks)).toString('base64');
}

it('git seed, a tool writes files, restore on another worker, read and diff through another gateway', async () => {
  const client = await connectClient(system.urls[0], 'acme');
  stub.enqueue(
    bash(
      'cat README.md && mkdir -p out && printf "#!/bin/sh\\necho made\\n" > out/tool.sh && chmod 755 out/tool.sh && echo "changed by claude" >> README.md',
    ),
    { text: 'Done.' },
  );
  const first = await callTool<Turn>(client, 'session_start', {
    prompt: 'Make a tool.',
    workspace: { git: { url: `file://${repo}`, ref: 'v1' } },
    allowedTools: ['Bash'],
    wait: true,
  });
  expect(first.status).toBe('idle');
  expect(lastToolResult()).toContain('seeded from git');
  const { sessionId } = first;
  await callTool(client, 'session_terminate', { sessionId });
  await client.close();

  // Only a worker with an empty DATA_DIR and another gateway are left.
  const fresh = await system.addWorker();
  await system.worker.close();
  system.worker = fresh;
  const other = await connectClient(await system.addGateway(), 'acme');
  try {
    const listing = await callTool<Listing>(other, 'workspace_list', { sessionId });
    const byPath = new Map(listing.entries.map((e) => [e.path, e]));
    expect(byPath.get('out/tool.sh')).toMatchObject({ type: 'file', mode: 0o755 });
    expect(byPath.get('build.sh')).toMatchObject({ type: 'file', mode: 0o755 });
    expect(byPath.get('LINK')).toMatchObject({ type: 'symlink' });
    const read = await callTool<Read>(other, 'workspace_read', { sessionId, path: 'README.md' });
    expect(read).toMatchObject({
      encoding: 'utf8',
      content: 'seeded from git\nchanged by claude\n',
    });
    const diff = await callTool<Diff>(other, 'workspace_diff', { sessionId });
    expect(diff.files).toEqual(
      expect.arrayContaining([
        { path: 'README.md', change: 'modified' },
        expect.objectContaining({ path: 'out/tool.sh', change: 'added' }),
      ]),
    );
    expect(diff.diff).toContain('+changed by claude');
    expect(diff.diff).not.toMatch(/^[+-].*build\.sh/m);

    // A fork restores the workspace on the new worker before its CLI starts.
    const [checkpoint] = (
      await callTool<{ checkpoints: Array<{ checkpointId: string }> }>(other, 'checkpoint_list', {
        sessionId,
      })
    ).checkpoints.slice(-1);
    stub.enqueue(bash('stat -c "%a %s" out/tool.sh && ./out/tool.sh && readlink LINK'), {
      text: 'Checked.',
    });
    const forked = await callTool<Turn>(other, 'session_start', {
      prompt: 'Check the tool.',
      checkpointId: checkpoint.checkpointId,
      allowedTools: ['Bash'],
      wait: true,
    });
    expect(forked.status).toBe('idle');
    const out = lastToolResult();
    expect(out).toContain('755 20');
    expect(out).toContain('made');
    expect(out).toContain('README.md');
    // Not on the first worker's disk: the new worker restored it from the store.
    expect(existsSync(join(system.dataDir, 'sessions', forked.sessionId))).toBe(false);
  } finally {
    await other.close();
  }
});

it('archive seed: the first turn sees the files; another tenant cannot read the workspace', async () => {
  const client = await connectClient(system.urls[0], 'acme');
  const archive = await tarGz([
    { name: 'src/', type: 'directory', mode: 0o755 },
    { name: 'src/main.py', body: 'print("from archive")\n', mode: 0o644 },
    { name: 'run', body: '#!/bin/sh\n', mode: 0o755 },
  ]);
  stub.enqueue(bash('cat src/main.py && stat -c %a run'), { text: 'Seen.' });
  const turn = await callTool<Turn>(client, 'session_start', {
    prompt: 'Look.',
    workspace: { archive: { base64: archive, format: 'tar.gz' } },
    allowedTools: ['Bash'],
    wait: true,
  });
  expect(turn.status).toBe('idle');
  expect(lastToolResult()).toMatch(/from archive[\s\S]*755/);
  const diff = await callTool<Diff>(client, 'workspace_diff', { sessionId: turn.sessionId });
  expect(diff.files).toEqual([]);

  const intruder = await connectClient(system.urls[0], 'globex');
  try {
    await expect(
      callTool(intruder, 'workspace_read', { sessionId: turn.sessionId, path: 'src/main.py' }),
    ).rejects.toThrow(/not found/i);
  } finally {
    await intruder.close();
    await client.close();
  }
});

it('refuses bad seeds at session_start and creates no session', async () => {
  const client = await connectClient(system.urls[0], 'acme');
  const before = await callTool<{ sessions: unknown[] }>(client, 'session_list', { limit: 200 });
  const cases: Array<[unknown, RegExp]> = [
    [{ files: [{ path: '../escape', content: 'x' }] }, /path/i],
    [{ files: [{ path: '/etc/passwd', content: 'x' }] }, /path/i],
    [
      { archive: { base64: await tarGz([{ name: '../../evil', body: 'x' }]), format: 'tar.gz' } },
      /evil/,
    ],
    [
      {
        archive: {
          base64: await tarGz([{ name: 'l', type: 'symlink', linkname: '../../etc' }]),
          format: 'tar.gz',
        },
      },
      /link|outside/i,
    ],
    [
      {
        files: [
          {
            path: 'big.bin',
            content: Buffer.alloc(3 * 1024 * 1024).toString('base64'),
            encoding: 'base64',
          },
          {
            path: 'big2.bin',
            content: Buffer.alloc(2 * 1024 * 1024).toString('base64'),
            encoding: 'base64',
          },
        ],
      },
      /large|limit|bytes/i,
    ],
    [{ git: { url: 'https://169.254.169.254/latest.git' } }, /allowed|private|address/i],
  ];
  try {
    for (const [workspace, message] of cases) {
      await expect(callTool(client, 'session_start', { prompt: 'x', workspace })).rejects.toThrow(
        message,
      );
    }
    const after = await callTool<{ sessions: unknown[] }>(client, 'session_list', { limit: 200 });
    expect(after.sessions.length).toBe(before.sessions.length);
  } finally {
    await client.close();
  }
});

it("a session cannot see another session's workspace, the worker's files or its environment", async () => {
  const client = await connectClient(system.urls[0], 'acme');
  stub.enqueue(bash('echo secret > mine.txt'), { text: 'ok' });
  const neighbour = await callTool<Turn>(client, 'session_start', {
    prompt: 'Write.',
    allowedTools: ['Bash'],
    wait: true,
  });
  // The worker running now (an earlier test replaced the first one) and its DATA_DIR.
  const dataDir = system.worker.get<AppConfig>(APP_CONFIG).storage.dataDir;
  const neighbourDir = join(dataDir, 'sessions', neighbour.sessionId, 'ws');
  expect(readFileSync(join(neighbourDir, 'mine.txt'), 'utf8')).toBe('secret\n');
  stub.enqueue(
    bash(
      `ls ${neighbourDir} 2>&1; cat ${neighbourDir}/mine.txt 2>&1; ls ${dataDir} 2>&1; env; ps -e -o comm= 2>&1 | sort -u`,
    ),
    { text: 'ok' },
  );
  const probe = await callTool<Turn>(client, 'session_start', {
    prompt: 'Look around.',
    allowedTools: ['Bash'],
    wait: true,
  });
  expect(probe.status).toBe('idle');
  const out = lastToolResult();
  expect(out).not.toContain('secret');
  expect(out).toMatch(/No such file or directory/);
  expect(out).not.toContain('REDIS_URL');
  expect(out).not.toContain('S3_SECRET_ACCESS_KEY');
  expect(out).not.toContain('redis-server');
  expect(statSync(neighbourDir).isDirectory()).toBe(true);
  await client.close();
});

it('files seed; a session handed to another worker continues with its workspace', async () => {
  const client = await connectClient(system.urls[0], 'acme');
  stub.enqueue(
    bash('echo "turn one" >> notes.txt && chmod 600 notes.txt && echo x > scratch.tmp'),
    {
      text: 'ok',
    },
  );
  const first = await callTool<Turn>(client, 'session_start', {
    prompt: 'Note it.',
    workspace: {
      files: [
        { path: 'notes.txt', content: 'seed line\n' },
        {
          path: 'bin/data.bin',
          content: Buffer.from([0, 1, 2, 255]).toString('base64'),
          encoding: 'base64',
        },
      ],
    },
    allowedTools: ['Bash'],
    wait: true,
  });
  expect(first.status).toBe('idle');
  const { events } = await callTool<{ events: Array<{ kind: string; data: unknown }> }>(
    client,
    'session_events',
    { sessionId: first.sessionId },
  );
  // The checkpoint says what it left out.
  expect(events.find((e) => e.kind === 'checkpoint')?.data).toMatchObject({
    workspace: {
      files: 2,
      leftOut: [{ path: 'scratch.tmp', reason: 'excluded' }],
      leftOutCount: 1,
    },
  });
  // The worker that ran the turn stops (hibernating its sessions); a new one takes the next.
  const fresh = await system.addWorker();
  await system.worker.close();
  system.worker = fresh;
  stub.enqueue(
    bash(
      'cat notes.txt; stat -c %a notes.txt; od -An -tu1 bin/data.bin; test -e scratch.tmp || echo no-scratch',
    ),
    {
      text: 'ok',
    },
  );
  const second = await callTool<Turn>(client, 'session_send', {
    sessionId: first.sessionId,
    message: 'Show it.',
    wait: true,
  });
  expect(second.status).toBe('idle');
  expect(lastToolResult()).toMatch(/seed line\nturn one\n600\n\s*0\s+1\s+2\s+255/);
  expect(lastToolResult()).toContain('no-scratch');
  const binary = await callTool<Read>(client, 'workspace_read', {
    sessionId: first.sessionId,
    path: 'bin/data.bin',
  });
  expect(binary).toMatchObject({ encoding: 'base64', content: 'AAEC/w==', size: 4 });
  await client.close();
});

it('a repository that cannot be cloned fails the session with a clear error and leaves no workspace', async () => {
  const client = await connectClient(system.urls[0], 'acme');
  const answer = await callToolAnswer<Turn & { error?: string }>(client, 'session_start', {
    prompt: 'Never runs.',
    workspace: { git: { url: `file://${repo}`, ref: 'no-such-branch' } },
    wait: true,
  });
  expect(answer.isError).toBe(true);
  expect(answer.text).toMatch(/failed\. .*no-such-branch/);
  const turn = answer.structured;
  expect(turn.status).toBe('failed');
  const { events } = await callTool<{
    events: Array<{ kind: string; data: { message?: string } }>;
  }>(client, 'session_events', { sessionId: turn.sessionId });
  const error = events.find((e) => e.kind === 'error');
  expect(error?.data.message).toMatch(/no-such-branch/);
  expect(stub.conversationRequests()).toHaveLength(0);
  const dataDir = system.worker.get<AppConfig>(APP_CONFIG).storage.dataDir;
  expect(existsSync(join(dataDir, 'sessions', turn.sessionId, 'ws'))).toBe(false);
  await client.close();
});

it('SANDBOX_NETWORK=proxy on a worker: turns reach the API, Bash cannot reach Redis', async () => {
  const proxied = await system.addWorker({ SANDBOX_NETWORK: 'proxy' });
  await system.worker.close();
  system.worker = proxied;
  const client = await connectClient(system.urls[0], 'acme');
  const { port } = new URL(redis.url);
  stub.enqueue(
    bash(
      `(exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && echo redis-open || echo redis-closed`,
    ),
    { text: 'Checked.' },
  );
  const turn = await callTool<Turn>(client, 'session_start', {
    prompt: 'Try the network.',
    allowedTools: ['Bash'],
    wait: true,
  });
  expect(turn.status).toBe('idle');
  expect(turn.result?.result).toBe('Checked.');
  expect(lastToolResult()).toContain('redis-closed');
  await client.close();
});
