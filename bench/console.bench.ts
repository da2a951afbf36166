/**
 * The console: from the moment the CLI writes a line to the moment the browser shows it (the
 * element carrying its event id is in the page; and the next animation frame after that), for
 * one session in one tab and for 20 sessions in 20 tabs of one Chromium. Baseline in the same
 * run: the same events read at the same time by a plain Node SSE client of the same API (the
 * `eventsource` package, one per session), so the ratio is what the browser and rendering add.
 * Alone: npm run bench -- console
 *
 * CLI: the stand-in (libs/testing/cli-standin) replaying the recorded long_text turn (~100 text
 * deltas) at 20 lines/s, stamping each line as it writes it, as the stream benchmark does.
 * BENCH_CONSOLE_TABS (default 1,20), BENCH_CONSOLE_TURNS (measured turns per case, default 2),
 * BENCH_CONSOLE_DUMP=<dir> (every sample as JSON).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SessionEvent } from '@app/contracts';
import { startEmbeddedRedis } from '@app/redis';
import { eventually } from '@app/testing/eventually';
import { buildCliStandin } from '../libs/testing/cli-standin/build';
import { DESKTOP, launchChromium } from '../test/support/browser';
import { endsTurn, PlainApi, type EventFollower } from '../test/support/browser-api';
import { hasSeen, installProbe, sightings } from './console-probe';
import { summarizeLatency } from './latency';
import type { BenchReport } from './report';
import { cpuSnapshot, cpuSpent, descendantsOf, type CpuGroup, type CpuSpent } from './stream-cpu';
import { freePort, startService, type ServiceProcess } from './system-processes';

const KEY = 'bench-key-0123456789abcdef';
const TABS = (process.env.BENCH_CONSOLE_TABS ?? '1,20').split(',').map(Number);
const TURNS = Math.max(1, Number(process.env.BENCH_CONSOLE_TURNS ?? 2));
const PACE_MS = 50;
const WARM_UP = '[[standin recording=text]] warm up';
const PROMPT = `[[standin recording=long_text pace_ms=${PACE_MS}]] go`;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const r = (n: number, d = 2) => Number(n.toFixed(d));

function stampOf(event: SessionEvent): number | undefined {
  const stamp = (event.data as { standin_sent_at?: unknown } | null)?.standin_sent_at;
  return typeof stamp === 'number' ? stamp : undefined;
}

/** What a stamped line is, for the dump: `assistant`, `stream_event content_block_delta`... */
function describe(event: SessionEvent): string {
  const data = (event.data ?? {}) as { type?: unknown; event?: { type?: unknown } };
  return [data.type, data.event?.type].filter((t) => typeof t === 'string').join(' ');
}

/** BENCH_CONSOLE_DUMP=<dir>: every sample of a case as JSON, to see which lines were slow. */
function dumpSamples(tabs: number, samples: unknown[]): void {
  const dir = process.env.BENCH_CONSOLE_DUMP;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `console-${tabs}-tabs.json`), JSON.stringify(samples));
}

/** Chromium's processes: this process's descendants but the services' trees and Redis. */
function chromiumPids(services: readonly ServiceProcess[], redis: number): number[] {
  const theirs = new Set(
    services.flatMap((s) => [s.child.pid ?? 0, ...descendantsOf(s.child.pid ?? 0)]),
  );
  theirs.add(redis);
  return descendantsOf(process.pid).filter((pid) => !theirs.has(pid));
}

/** "chromium 41.2 · worker + CLIs 9.1 · …", largest first, in CPU seconds. */
function cpuShares(spent: CpuSpent): string {
  return Object.entries(spent.cpuMs)
    .filter(([, ms]) => ms > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)}`)
    .join(' · ');
}

/** Latencies (ms after the CLI wrote the line) of one case, per path. */
interface CaseSamples {
  node: number[];
  dom: number[];
  frame: number[];
  /** Stamped events the Node client got that no tab showed (not rendered with an id). */
  unseen: number;
  /** CPU per process group while the measured turns streamed. */
  cpu: CpuSpent;
  seconds: number;
}

/** N sessions, each followed by a Node SSE client and shown in its own tab, streaming together. */
async function measure(
  base: URL,
  browser: Browser,
  tabs: number,
  groups: readonly CpuGroup[],
): Promise<CaseSamples> {
  const api = new PlainApi(base, KEY);
  const ids = await Promise.all(
    Array.from({ length: tabs }, () => api.start({ prompt: WARM_UP, wait: true })),
  );
  const received = new Map<string, { at: number; stamp?: number; what: string }>();
  const followers: EventFollower[] = [];
  const contexts: BrowserContext[] = [];
  try {
    // One tab after the other: a new tab costs its renderer about a second of CPU, and 20 at once
    // on two cores time out.
    const pages: Page[] = [];
    for (const id of ids) {
      // A context per tab: a browser keeps six HTTP/1.1 connections per host and profile, and
      // every visible session tab holds one (its event stream); over HTTP/2 they would share one.
      const context = await browser.newContext({ viewport: DESKTOP });
      contexts.push(context);
      // Signed in as the sign-in form leaves it: the key in the tab's sessionStorage.
      await context.addInitScript(
        `sessionStorage.setItem('csb-console-key', ${JSON.stringify(KEY)})`,
      );
      const page = await context.newPage();
      await page.goto(new URL(`/console#/sessions/${id}`, base).toString(), { timeout: 60_000 });
      await page.locator('.item-result').first().waitFor({ timeout: 60_000 });
      await installProbe(page);
      pages.push(page);
    }
    for (const id of ids) {
      followers.push(
        api.follow(id, (event, at) => {
          if (event.turn > 1) {
            received.set(event.id, { at, stamp: stampOf(event), what: describe(event) });
          }
        }),
      );
    }
    const lastTurn = 1 + TURNS;
    const cpuBefore = cpuSnapshot(groups);
    const started = Date.now();
    for (let turn = 2; turn <= lastTurn; turn++) {
      // Spread over one line interval, as independent sessions' lines are.
      await Promise.all(
        ids.map(async (id, i) => {
          await delay((i * PACE_MS) / tabs);
          await api.call('POST', `/sessions/${id}/messages`, { message: PROMPT });
        }),
      );
      await eventually(
        `turn ${turn} to end in ${tabs} sessions`,
        () => followers.every((f) => f.events.some((e) => endsTurn(e, turn))),
        { timeoutMs: 120_000, intervalMs: 50 },
      );
    }
    const cpu = cpuSpent(cpuBefore, cpuSnapshot(groups));
    const seconds = (Date.now() - started) / 1000;
    await Promise.all(
      pages.map(async (page, i) => {
        const end = followers[i].events.find((e) => endsTurn(e, lastTurn));
        await eventually(
          'the tab to show the end of the last turn',
          () => hasSeen(page, end?.id ?? ''),
          60_000,
        );
      }),
    );
    const shown = new Map<string, [number, number]>();
    for (const page of pages) {
      for (const [id, dom, frame] of await sightings(page)) shown.set(id, [dom, frame]);
    }
    const samples: CaseSamples = { node: [], dom: [], frame: [], unseen: 0, cpu, seconds };
    const dump: Array<{ id: string; what: string; node: number; dom: number }> = [];
    for (const [id, { at, stamp, what }] of received) {
      if (stamp === undefined) continue;
      const seen = shown.get(id);
      if (!seen) {
        samples.unseen++;
        continue;
      }
      samples.node.push(at - stamp);
      samples.dom.push(seen[0] - stamp);
      if (seen[1] > 0) samples.frame.push(seen[1] - stamp);
      dump.push({ id, what, node: at - stamp, dom: seen[0] - stamp });
    }
    dumpSamples(tabs, dump);
    await Promise.all(ids.map((id) => api.call('DELETE', `/sessions/${id}`)));
    return samples;
  } finally {
    for (const follower of followers) follower.close();
    await Promise.all(contexts.map((context) => context.close()));
  }
}

function rows(tabs: number, samples: CaseSamples): BenchReport['rows'] {
  const base = summarizeLatency(samples.node);
  const row = (path: string, latencies: number[]) => {
    const s = summarizeLatency(latencies);
    return {
      'tabs (sessions)': tabs,
      path,
      msgs: s.count,
      'p50 ms': r(s.p50),
      'p99 ms': r(s.p99),
      'max ms': r(s.max, 1),
      'added p50 ms': r(s.p50 - base.p50),
      'added p99 ms': r(s.p99 - base.p99),
      'p99 ratio': `${(s.p99 / base.p99).toFixed(2)}x`,
    };
  };
  return [
    row('Node SSE client (baseline)', samples.node),
    row('browser: in the DOM', samples.dom),
    row('browser: next frame', samples.frame),
  ];
}

export async function run(): Promise<BenchReport> {
  const standin = await buildCliStandin();
  const dir = mkdtempSync(join(tmpdir(), 'bench-console-'));
  const redis = await startEmbeddedRedis(dir);
  const common = { REDIS_URL: redis.url, MCP_API_KEYS: `bench:${KEY}`, DATA_DIR: dir };
  const services: ServiceProcess[] = [];
  let browser: Browser | undefined;
  try {
    services.push(
      await startService(
        'apps/worker/src/main.ts',
        {
          ...common,
          WORKER_HEALTH_PORT: String(await freePort()),
          WORKER_CONCURRENCY: '64',
          CLAUDE_BIN: standin,
          SANDBOX: 'none',
          CLI_STANDIN_STAMP: '1',
          CLAUDE_ENV_PASSTHROUGH: 'CLI_STANDIN_STAMP',
        },
        'worker ready',
      ),
    );
    const port = await freePort();
    services.push(
      await startService(
        'apps/gateway/src/main.ts',
        { ...common, PORT: String(port) },
        'gateway listening',
      ),
    );
    const base = new URL(`http://127.0.0.1:${port}`);
    browser = await launchChromium();
    const [gateway, worker] = services;
    const groups: CpuGroup[] = [
      { name: 'chromium', pids: () => chromiumPids(services, redis.pid) },
      { name: 'gateway', pids: () => [gateway.child.pid ?? 0] },
      {
        name: 'worker + CLIs',
        pids: () => [worker.child.pid ?? 0, ...descendantsOf(worker.child.pid ?? 0)],
      },
      { name: 'redis', pids: () => (redis.pid > 0 ? [redis.pid] : []) },
    ];
    await measure(base, browser, 1, groups); // warm-up: JIT, connections, the console's first load
    const all: BenchReport['rows'] = [];
    const unseen: string[] = [];
    const cpu: string[] = [];
    for (const tabs of TABS) {
      const samples = await measure(base, browser, tabs, groups);
      all.push(...rows(tabs, samples));
      unseen.push(`${tabs} tab(s): ${samples.unseen}`);
      cpu.push(`${tabs} tab(s), ${samples.seconds.toFixed(0)} s: ${cpuShares(samples.cpu)}`);
    }
    return {
      name: 'console: CLI line → shown in the browser (latency per message)',
      rows: all,
      notes: [
        `each session streams ${TURNS} turn(s) of the recorded long_text turn (~100 text deltas) at ${1000 / PACE_MS} lines/s; sessions start spread over one line interval`,
        `browser: Chromium ${browser.version()} (playwright-core, headless), one tab (and browser context) per session, the console at /console following the session's event stream; "in the DOM": a MutationObserver saw the element with the event's id; "next frame": the requestAnimationFrame after it`,
        'baseline: one Node EventSource client (the eventsource package) per session on the same API, at the same time; latencies over the same events (stamped CLI lines the console renders with their id)',
        `stamped events no tab rendered with an id (not counted): ${unseen.join(', ')}`,
        `CPU s while the measured turns streamed (2 cores): ${cpu.join('; ')}`,
        `peak RSS: gateway ${r(gateway.peakRssMiB(), 1)} MiB, worker ${r(worker.peakRssMiB(), 1)} MiB`,
      ],
    };
  } finally {
    await browser?.close();
    for (const service of services.reverse()) await service.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
