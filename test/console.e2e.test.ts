/**
 * The session console (/console) in Chromium, end to end: the page → /api/v1 → gateway →
 * BullMQ on a real Redis → worker → the real claude CLI against the Messages API stub. Each
 * test drives the page as a person would and checks what it shows against what the API says.
 * CONSOLE_SCREENSHOTS=1 also saves the figures of the README's Console section (docs/images).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SessionEvent } from '@app/contracts';
import { eventually } from '@app/testing/eventually';
import {
  DESKTOP,
  launchChromium,
  openPage,
  PHONE,
  signIn,
  type PageWatch,
} from './support/browser';
import { endsTurn, PlainApi } from './support/browser-api';
import { startRealCliSystem, TENANT_KEYS, type RealCliSystem } from './support/system';

let world: RealCliSystem;
let browser: Browser;
let base: URL;
let acme: PlainApi;
const opened: Array<{ context: BrowserContext; watch: PageWatch }> = [];
/** An operator key (ADMIN_API_KEYS): every tenant's sessions, read-only. */
const OPERATOR_KEY = 'ops-key-0123456789abcdef';

beforeAll(async () => {
  [world, browser] = await Promise.all([
    startRealCliSystem('console', { SESSION_IDLE_MS: '60000', ADMIN_API_KEYS: OPERATOR_KEY }),
    launchChromium(),
  ]);
  base = world.system.urls[0];
  acme = new PlainApi(base, TENANT_KEYS.acme);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

beforeEach(() => world.stub.reset());

afterEach(async () => {
  // Whatever a test did, no page threw and none broke the Content-Security-Policy.
  const watches = opened.map((o) => o.watch);
  await Promise.all(opened.splice(0).map((o) => o.context.close()));
  expect(watches.flatMap((w) => [...w.errors, ...w.violations])).toEqual([]);
});

const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
const bash = (command: string) => ({
  toolUse: { name: 'Bash', input: { command, description: 'console test' } },
});
const consoleUrl = (hash = '') => new URL(`/console${hash}`, base).toString();

/** A page in a context of its own, signed in with `key` (default: tenant acme's). */
async function open(
  key: string = TENANT_KEYS.acme,
  viewport: { width: number; height: number } = DESKTOP,
): Promise<Page> {
  const { context, page, watch } = await openPage(browser, viewport);
  opened.push({ context, watch });
  await signIn(page, base, key);
  return page;
}

async function openSession(page: Page, sessionId: string, tab = ''): Promise<void> {
  await page.goto(consoleUrl(`#/sessions/${sessionId}${tab}`));
  await page.locator(`section.session[data-session-id="${sessionId}"]`).waitFor();
}

const badge = (page: Page, status: string) =>
  page.locator('.session-head .badge', { hasText: status }).waitFor({ timeout: 30_000 });

async function settled(sessionId: string, status = 'idle'): Promise<void> {
  await eventually(
    `session ${sessionId} ${status}`,
    async () => (await acme.statusOf(sessionId)) === status,
    {
      timeoutMs: 30_000,
      intervalMs: 50,
    },
  );
}

/** The session's events as the API streams them, until `done` says so. */
async function apiEvents(sessionId: string, done: (events: SessionEvent[]) => boolean) {
  const follower = acme.follow(sessionId);
  try {
    await eventually('the API events', () => done(follower.events), 30_000);
    return follower.events;
  } finally {
    follower.close();
  }
}

/** The ids of the events the page's Events tab lists, in order. */
async function renderedEventIds(page: Page, sessionId: string): Promise<string[]> {
  await page.goto(consoleUrl(`#/sessions/${sessionId}/events`));
  return page.$$eval('.events li[data-event-id]', (items) =>
    items.map((li) => li.getAttribute('data-event-id') ?? ''),
  );
}

/** CONSOLE_SCREENSHOTS=1: the page at desktop and phone width, as docs/images/console-<name>-*.png. */
async function figure(page: Page, name: string): Promise<void> {
  if (!process.env.CONSOLE_SCREENSHOTS) return;
  const size = page.viewportSize() ?? DESKTOP;
  for (const [label, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.evaluate('scrollTo(0, 0)');
    await page.screenshot({
      path: join(__dirname, '..', 'docs', 'images', `console-${name}-${label}.png`),
    });
  }
  await page.setViewportSize(size);
}

it('serves /console and its files with a strict Content-Security-Policy, nosniff and no referrer', async () => {
  const paths = [
    '/console',
    '/console/',
    '/console/app/main.mts',
    '/console/vendor/preact.mjs',
    '/console/console.css',
  ];
  for (const path of [...paths, '/console/app/nothing.mts']) {
    const res = await fetch(new URL(path, base));
    expect([path, res.status]).toEqual([path, paths.includes(path) ? 200 : 404]);
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
      "require-trusted-types-for 'script'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('set-cookie')).toBeNull();
  }
  const module = await fetch(new URL('/console/app/main.mts', base));
  expect(module.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(await module.text()).not.toMatch(/from '(preact|preact\/hooks)'/);
});

it('signs in with a tenant key: a wrong one is refused; the key goes only in the Authorization header', async () => {
  const { context, page, watch } = await openPage(browser);
  opened.push({ context, watch });
  const apiRequests: Array<{ url: string; authorization?: string }> = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/v1/')) {
      apiRequests.push({ url: request.url(), authorization: request.headers().authorization });
    }
  });
  await page.goto(consoleUrl());
  await page.getByLabel('API key').fill('not-a-key-of-this-gateway');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'The gateway refused this key.' }).waitFor();

  await page.getByLabel('API key').fill(TENANT_KEYS.acme);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Sessions', exact: true }).waitFor();
  await page.reload(); // still signed in: the key is in this tab's sessionStorage
  await page.getByRole('heading', { name: 'Sessions', exact: true }).waitFor();
  expect(await page.evaluate(() => sessionStorage.getItem('csb-console-key'))).toBe(
    TENANT_KEYS.acme,
  );
  expect(await context.cookies()).toEqual([]);

  expect(apiRequests.length).toBeGreaterThan(3);
  for (const request of apiRequests) {
    expect(request.url).not.toContain(TENANT_KEYS.acme);
    expect(request.url).not.toContain('not-a-key');
    // Without a header only the first probe for a gateway without keys (answered 401).
    expect([undefined, 'Bearer not-a-key-of-this-gateway', `Bearer ${TENANT_KEYS.acme}`]).toContain(
      request.authorization,
    );
  }
  expect(apiRequests.filter((r) => r.authorization === undefined)).toHaveLength(1);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor();
  expect(await page.evaluate(() => sessionStorage.getItem('csb-console-key'))).toBeNull();
});

it('starts a session on files chosen in the form and shows Claude’s text while the turn streams', async () => {
  const text = words(30);
  world.stub.enqueue({ text, tokenDelayMs: 100 });
  const page = await open();
  await page.getByRole('button', { name: 'New session' }).click();
  await page.getByLabel('Prompt').fill('Summarise the notes.');
  await page.getByLabel('Tool calls').selectOption('preapproved');
  await page.getByRole('radio', { name: 'files from here' }).check();
  await page.locator('input[name=files]').setInputFiles([
    { name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from('# Notes\n') },
    {
      name: 'logo.bin',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from([0xff, 0xfe, 0, 1]),
    },
  ]);
  await page.getByRole('button', { name: 'Start' }).click();
  await page.waitForURL(/#\/sessions\/[0-9a-f-]{36}$/);
  const sessionId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]);

  await page.locator('.assistant', { hasText: 'word3' }).waitFor({ timeout: 30_000 });
  // Shown mid-turn: the API still says running, the turn has no result yet.
  expect(await acme.statusOf(sessionId)).toBe('running');
  expect(await page.locator('.assistant.streaming').count()).toBe(1);
  expect(await page.locator('.item-result').count()).toBe(0);

  await badge(page, 'idle');
  expect(await page.locator('.assistant').allTextContents()).toEqual([text]);
  expect(await page.locator('.turn[data-turn="1"] .prompt').textContent()).toBe(
    'Summarise the notes.',
  );
  await page.getByRole('link', { name: 'Files' }).click();
  await page.getByRole('button', { name: 'notes.md' }).click();
  expect(await page.locator('pre.file-content').textContent()).toBe('# Notes\n');
  await page.getByRole('button', { name: 'logo.bin' }).click();
  await page.getByText('A binary file of 4 B: not shown.').waitFor();
});

it('puts a pending approval above everything; Allow runs the call and its file shows in the diff', async () => {
  world.stub.enqueue(bash('echo approved in the console > approved.txt'), { text: 'Wrote it.' });
  const page = await open();
  await page.getByRole('button', { name: 'New session' }).click();
  await page.getByLabel('Prompt').fill('Write a file.');
  expect(await page.getByLabel('Tool calls').inputValue()).toBe('ask');
  await page.getByRole('button', { name: 'Start' }).click();

  const card = page.locator('.approval');
  await card.waitFor({ timeout: 30_000 });
  expect(await card.locator('h2').textContent()).toBe('Claude asks to use Bash');
  expect(await card.locator('pre').textContent()).toContain(
    'echo approved in the console > approved.txt',
  );
  const [cardBox, conversationBox] = await Promise.all([
    card.boundingBox(),
    page.locator('.conversation').boundingBox(),
  ]);
  expect(cardBox && conversationBox && cardBox.y < conversationBox.y).toBe(true);
  await figure(page, 'approval');
  // At phone width the answer is still in reach, and nothing scrolls sideways.
  await page.setViewportSize(PHONE);
  expect(await page.getByRole('button', { name: 'Allow', exact: true }).isVisible()).toBe(true);
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
    PHONE.width,
  );
  await page.setViewportSize(DESKTOP);

  await page.getByRole('button', { name: 'Allow', exact: true }).click();
  await badge(page, 'idle');
  expect(await card.count()).toBe(0);
  await page.locator('.approval-note', { hasText: 'allow (client)' }).waitFor();
  await page.getByRole('link', { name: 'Changes' }).click();
  await page.locator('.changed-files li[data-path="approved.txt"]', { hasText: 'added' }).waitFor();
  expect(await page.locator('pre.diff').textContent()).toContain('+approved in the console');
  await figure(page, 'diff');
});

it('reloaded mid-turn, shows every event of the session exactly once', async () => {
  const text = words(40);
  world.stub.enqueue({ text, tokenDelayMs: 80 });
  const sessionId = await acme.start({ prompt: 'Talk slowly.' });
  const page = await open();
  await openSession(page, sessionId);
  await page.locator('.assistant', { hasText: 'word5' }).waitFor({ timeout: 30_000 });
  await page.reload();
  await page.locator('.assistant', { hasText: 'word1' }).waitFor();
  expect(await acme.statusOf(sessionId)).toBe('running'); // the reload was mid-turn
  // The prompt came from the API, not this tab: the page shows it from the session's own stream.
  expect(await page.locator('.turn[data-turn="1"] .prompt').textContent()).toBe('Talk slowly.');
  await badge(page, 'idle');
  // Ended from the page, so the stream closes and the API's list of events is final.
  await page.getByRole('button', { name: 'Terminate' }).click();
  await page.getByRole('button', { name: 'Yes, terminate' }).click();
  await badge(page, 'terminated');

  const events = await apiEvents(
    sessionId,
    (all) =>
      all.at(-1)?.kind === 'status' &&
      (all.at(-1)?.data as { status?: string }).status === 'terminated',
  );
  await page.locator('.feed', { hasText: 'ended' }).waitFor();
  expect(await page.locator('.assistant').allTextContents()).toEqual([text]);
  const deltaIds = await page.$$eval('.assistant span[data-event-id]', (spans) =>
    spans.map((span) => span.getAttribute('data-event-id')),
  );
  expect(new Set(deltaIds).size).toBe(deltaIds.length);
  expect(deltaIds.length).toBeGreaterThanOrEqual(40);
  expect(await renderedEventIds(page, sessionId)).toEqual(events.map((e) => e.id));
});

it('reconnects after the event stream drops, with Last-Event-ID, losing and repeating nothing', async () => {
  const server = world.system.gateways[0].getHttpServer() as Server;
  const streams = new Set<Socket>();
  const track = (req: IncomingMessage) => {
    if (req.url?.endsWith('/events')) streams.add(req.socket);
  };
  server.on('request', track);
  try {
    const text = words(40);
    world.stub.enqueue({ text, tokenDelayMs: 80 });
    const sessionId = await acme.start({ prompt: 'Talk slowly.' });
    const page = await open();
    const resumedFrom: Array<string | undefined> = [];
    page.on('request', (request) => {
      if (request.url().endsWith(`/sessions/${sessionId}/events`))
        resumedFrom.push(request.headers()['last-event-id']);
    });
    await openSession(page, sessionId);
    await page.locator('.assistant', { hasText: 'word5' }).waitFor({ timeout: 30_000 });
    for (const socket of streams) socket.destroy(); // the network drops
    await page.locator('.feed', { hasText: 'live (reconnected 1×)' }).waitFor();
    await badge(page, 'idle');
    expect(resumedFrom).toHaveLength(2);
    expect(resumedFrom[0]).toBeUndefined();
    expect(resumedFrom[1]).toMatch(/^\d+-\d+$/);

    const events = await apiEvents(sessionId, (all) => all.some((e) => endsTurn(e, 1)));
    expect(events.map((e) => e.id)).toContain(resumedFrom[1]);
    expect(await page.locator('.assistant').allTextContents()).toEqual([text]);
    expect(await renderedEventIds(page, sessionId)).toEqual(events.map((e) => e.id));
  } finally {
    server.off('request', track);
  }
});

it('lets a hidden tab’s stream go, and resumes it where it was when the tab shows again', async () => {
  world.stub.enqueue({ text: 'First answer.' });
  const sessionId = await acme.start({ prompt: 'One.', wait: true });
  const { context, page, watch } = await openPage(browser);
  opened.push({ context, watch });
  await page.clock.install(); // to let the 15 s of grace pass at once
  await signIn(page, base, TENANT_KEYS.acme);
  const resumedFrom: Array<string | undefined> = [];
  page.on('request', (request) => {
    if (request.url().endsWith(`/sessions/${sessionId}/events`)) {
      resumedFrom.push(request.headers()['last-event-id']);
    }
  });
  await openSession(page, sessionId);
  await page.locator('.feed', { hasText: 'live' }).waitFor();
  // What a browser does when the tab goes to the background and back.
  const visibility = (state: 'hidden' | 'visible') =>
    page.evaluate(
      `Object.defineProperty(document, 'visibilityState', { value: '${state}', configurable: true });
       document.dispatchEvent(new Event('visibilitychange'));`,
    );

  await visibility('hidden');
  await page.clock.fastForward(16_000);
  await page.locator('.feed', { hasText: 'paused while the tab is hidden' }).waitFor();
  world.stub.enqueue({ text: 'Second answer.' });
  await acme.call('POST', `/sessions/${sessionId}/messages`, { message: 'Two.' });
  const events = await apiEvents(sessionId, (all) => all.some((e) => endsTurn(e, 2)));
  expect(await page.locator('.assistant', { hasText: 'Second answer.' }).count()).toBe(0);

  await visibility('visible');
  await page.locator('.assistant', { hasText: 'Second answer.' }).waitFor();
  await page.locator('.feed', { hasText: 'live (reconnected 1×)' }).waitFor();
  const lastOfTurnOne = events.filter((e) => e.turn === 1).at(-1)?.id;
  expect(resumedFrom).toEqual([undefined, lastOfTurnOne]);
  expect(await renderedEventIds(page, sessionId)).toEqual(events.map((e) => e.id));
});

it('shows a second tenant nothing of the first', async () => {
  const sessionId = await acme.start({ prompt: 'Mine.', wait: true });
  const page = await open(TENANT_KEYS.globex);
  const statuses: number[] = [];
  page.on('response', (res) => {
    if (res.url().includes(sessionId)) statuses.push(res.status());
  });
  await page.locator('.empty', { hasText: 'No sessions yet.' }).waitFor();
  expect(await page.locator('tr[data-session-id]').count()).toBe(0);
  await page.goto(consoleUrl(`#/sessions/${sessionId}`));
  await page.getByRole('heading', { name: 'Session not found' }).waitFor();
  await eventually(
    'the page to ask for the session, its checkpoints and events',
    () => statuses.length >= 3,
  );
  expect(new Set(statuses)).toEqual(new Set([404]));
  expect(await page.locator('.conversation, .events').count()).toBe(0);
  expect(await page.content()).not.toContain('Mine.');
});

it('shows an operator every tenant’s sessions, each with its tenant, and lets it change none', async () => {
  const ours = await acme.start({ prompt: 'Acme’s.', wait: true });
  world.stub.enqueue({ text: 'Globex’s answer.' });
  const theirs = await new PlainApi(base, TENANT_KEYS.globex).start({
    prompt: 'Globex’s.',
    wait: true,
  });
  const page = await open(OPERATOR_KEY);
  await page.getByRole('heading', { name: 'Sessions of every tenant' }).waitFor();
  const row = (id: string) => page.locator(`tr[data-session-id="${id}"]`);
  await row(theirs).waitFor();
  expect(await row(ours).locator('td.tenant').textContent()).toBe('acme');
  expect(await row(theirs).locator('td.tenant').textContent()).toBe('globex');
  expect(await page.getByRole('button', { name: 'New session' }).count()).toBe(0);

  await page.getByLabel('Tenant').selectOption('globex');
  await eventually('only globex’s sessions', async () => (await row(ours).count()) === 0, 10_000);
  const tenants = await page.locator('td.tenant').allTextContents();
  expect(new Set(tenants)).toEqual(new Set(['globex']));

  await row(theirs).getByRole('link').click();
  await page.locator('.assistant', { hasText: 'Globex’s answer.' }).waitFor();
  await page.getByRole('button', { name: 'Terminate' }).click();
  await page.getByRole('button', { name: 'Yes, terminate' }).click();
  await page.getByRole('alert').filter({ hasText: 'change none' }).waitFor();
  expect(await new PlainApi(base, TENANT_KEYS.globex).statusOf(theirs)).toBe('idle');
});

it('shows a <script> planted in a file and in a tool result as text, and never runs it', async () => {
  const planted = `<script>window.planted = 'script'</script><img src="x" onerror="window.planted = 'img'">`;
  world.stub.enqueue(bash('cat planted.html'), { text: `It holds ${planted}` });
  const sessionId = await acme.start({
    prompt: 'Show the file.',
    allowedTools: ['Bash'],
    workspace: { files: [{ path: 'planted.html', content: planted }] },
    wait: true,
  });
  const page = await open();
  await openSession(page, sessionId);
  await page.locator('details.tool summary').click();
  expect(await page.locator('pre.tool-result').textContent()).toContain(planted);
  expect(await page.locator('.assistant').textContent()).toBe(`It holds ${planted}`);
  await page.getByRole('link', { name: 'Files' }).click();
  await page.getByRole('button', { name: 'planted.html' }).click();
  expect(await page.locator('pre.file-content').textContent()).toBe(planted);
  expect(await page.locator('img, script:not([src])').count()).toBe(0);
  expect(await page.evaluate<unknown>('window.planted')).toBeUndefined();
});

it('sends a follow-up, diffs two checkpoints, interrupts a turn and forks a checkpoint', async () => {
  world.stub.enqueue(bash('echo one > notes.txt'), { text: 'Wrote one.' });
  const sessionId = await acme.start({ prompt: 'Write one.', allowedTools: ['Bash'], wait: true });
  const page = await open();
  await openSession(page, sessionId);
  await page.locator('.assistant', { hasText: 'Wrote one.' }).waitFor();

  world.stub.enqueue(bash('echo two >> notes.txt'), { text: 'Appended two.' });
  await page.getByLabel('Follow-up message').fill('Append two.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('.turn[data-turn="2"] .prompt', { hasText: 'Append two.' }).waitFor();
  await page.locator('.assistant', { hasText: 'Appended two.' }).waitFor({ timeout: 30_000 });
  await page.locator('.checkpoint-mark').nth(1).waitFor();
  await settled(sessionId);

  await page.getByRole('link', { name: 'Checkpoints' }).click();
  const entries = page.locator('.timeline-entry');
  await entries.nth(1).waitFor();
  await entries.nth(1).getByRole('button', { name: 'Changes since previous' }).click();
  await page.locator('.changed-files li[data-path="notes.txt"]', { hasText: 'modified' }).waitFor();
  const diff = (await page.locator('pre.diff').textContent()) ?? '';
  expect(diff).toContain('+two');
  expect(diff).not.toContain('+one');

  await page.getByRole('link', { name: 'Conversation' }).click();
  world.stub.enqueue({ text: words(80), tokenDelayMs: 150 });
  await page.getByLabel('Follow-up message').fill('Talk slowly.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('.assistant', { hasText: 'word2' }).waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Interrupt' }).click();
  await page.getByRole('status').filter({ hasText: 'The turn was stopped.' }).waitFor();
  await settled(sessionId);
  expect(await page.locator('.assistant', { hasText: 'word79' }).count()).toBe(0);

  world.stub.enqueue({ text: 'Forked.' });
  await page.getByRole('link', { name: 'Checkpoints' }).click();
  await entries.first().getByRole('button', { name: 'Fork…' }).click();
  await page.getByLabel('First message of the fork').fill('Go on from turn one.');
  await page.getByRole('button', { name: 'Fork', exact: true }).click();
  await page.waitForURL(
    (url) => /#\/sessions\/[0-9a-f-]{36}$/.test(url.hash) && !url.hash.includes(sessionId),
  );
  await page.locator('.assistant', { hasText: 'Forked.' }).waitFor({ timeout: 30_000 });
  await page.getByRole('link', { name: 'Files' }).click();
  await page.getByRole('button', { name: 'notes.txt' }).click();
  await page.locator('pre.file-content', { hasText: 'one' }).waitFor();
  expect(await page.locator('pre.file-content').textContent()).toBe('one\n');
});

it('fits a phone: the session list and a session page need no sideways scrolling', async () => {
  const page = await open(TENANT_KEYS.acme, PHONE);
  const rows = page.locator('tr[data-session-id]');
  await rows.first().waitFor();
  expect(await rows.count()).toBeGreaterThan(3);
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
    PHONE.width,
  );
  await figure(page, 'list');
  await rows.first().getByRole('link').click();
  await page.locator('section.session').waitFor();
  await page.locator('.conversation .item').first().waitFor();
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
    PHONE.width,
  );
});
