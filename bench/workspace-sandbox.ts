/**
 * CLI start with and without the sandbox, interleaved in one run: time from spawning the
 * real CLI (against the local Messages API stub) to its `system/init` line, and the resident
 * memory the sandbox adds (bubblewrap's processes and, in proxy mode, socat and its tunnel).
 */
import { readFileSync, readdirSync, realpathSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClaudeProcess, discoverClaudeBinary, type Launcher } from '@app/claude';
import { startMessagesStub } from '@app/testing/messages-stub';
import { nowMs, summarizeLatency } from './latency';

export interface LauncherCase {
  name: string;
  launcher: Launcher;
}

export interface StartFigures {
  name: string;
  start: ReturnType<typeof summarizeLatency>;
  /** RSS of the process tree minus the CLI's own process, MiB (median). */
  overheadMiB: number;
  cliMiB: number;
}

/** `casesFor` gets the stub's URL: the proxy's allow-list names the API host. */
export async function measureCliStarts(
  casesFor: (stubUrl: string) => Promise<LauncherCase[]>,
  runs = 10,
): Promise<StartFigures[]> {
  const stub = await startMessagesStub();
  const cases = await casesFor(stub.url);
  const binary = discoverClaudeBinary({ path: '' });
  const samples = new Map(
    cases.map((c) => [
      c.name,
      { times: [] as number[], overhead: [] as number[], cli: [] as number[] },
    ]),
  );
  try {
    for (let i = 0; i < runs; i++) {
      for (const c of i % 2 ? [...cases].reverse() : cases) {
        stub.enqueue({ text: 'ready' });
        const s = samples.get(c.name)!;
        const result = await startOnce(binary, stub.url, c.launcher);
        s.times.push(result.ms);
        s.overhead.push(result.overheadKiB / 1024);
        s.cli.push(result.cliKiB / 1024);
      }
    }
  } finally {
    await stub.close();
  }
  return cases.map((c) => {
    const s = samples.get(c.name)!;
    return {
      name: c.name,
      start: summarizeLatency(s.times),
      overheadMiB: median(s.overhead),
      cliMiB: median(s.cli),
    };
  });
}

async function startOnce(
  binary: string,
  stubUrl: string,
  launcher: Launcher,
): Promise<{ ms: number; overheadKiB: number; cliKiB: number }> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'wsb-cli-')));
  const started = nowMs();
  const cli = await ClaudeProcess.start({
    binary,
    launcher,
    workspaceDir: join(root, 'ws'),
    configDir: join(root, 'cfg'),
    flags: {},
    env: {
      PATH: process.env.PATH,
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: stubUrl,
    },
    envOverrides: { HOME: join(root, 'home') },
  });
  try {
    // The CLI prints `init` once it has read the first user line.
    await cli.send('hello');
    let ms = NaN;
    let rss = { overheadKiB: NaN, cliKiB: NaN };
    for await (const line of cli.lines()) {
      if (line.kind !== 'message') continue;
      if (line.message.type === 'system' && Number.isNaN(ms)) {
        ms = nowMs() - started;
        rss = treeRss(cli.pid);
      }
      if (line.message.type === 'result') break;
    }
    return { ms, ...rss };
  } finally {
    await cli.terminate(2_000);
    rmSync(root, { recursive: true, force: true });
  }
}

/** RSS of every process under `pid`; the largest one is the CLI, the rest is the sandbox. */
function treeRss(pid: number): { overheadKiB: number; cliKiB: number } {
  const all = descendants(pid).map(rssKiB);
  const cli = Math.max(...all);
  return { overheadKiB: all.reduce((a, b) => a + b, 0) - cli, cliKiB: cli };
}

function descendants(pid: number): number[] {
  const out = [pid];
  for (const task of safeReaddir(`/proc/${pid}/task`)) {
    const children = safeRead(`/proc/${pid}/task/${task}/children`).trim();
    for (const child of children ? children.split(/\s+/) : [])
      out.push(...descendants(Number(child)));
  }
  return out;
}

function rssKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+)/.exec(safeRead(`/proc/${pid}/status`));
  return match ? Number(match[1]) : 0;
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
