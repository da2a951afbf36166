/**
 * The operators' queue dashboard (Bull Board at /admin/queues) on a real gateway over a real
 * redis-server: who gets in (ADMIN_API_KEYS, by bearer header or by the browser's Basic prompt),
 * who is refused and how, and that nothing is mounted without operator keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@app/config';
import { useTestRedis } from '@app/testing/services';
import { startGateway } from '../apps/gateway/src/main';

const TENANT_KEY = 'acme-key-0123456789abcdef';
const ADMIN_KEY = 'operator-key-0123456789abcdef';

const redis = useTestRedis({ label: 'queue-dashboard' });
const dirs: string[] = [];

async function gateway(
  env: Record<string, string>,
): Promise<{ app: INestApplication; url: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dashboard-'));
  dirs.push(dataDir);
  const app = await startGateway(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL: redis().url,
      REDIS_KEY_PREFIX: redis().keyPrefix,
      REDIS_CLUSTER: 'false',
      DATA_DIR: dataDir,
      MCP_API_KEYS: `acme:${TENANT_KEY}`,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...env,
    }),
  );
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  return { app, url: `http://127.0.0.1:${port}/admin/queues` };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const basic = (key: string) => ({
  authorization: `Basic ${Buffer.from(`ops:${key}`).toString('base64')}`,
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('queue dashboard with ADMIN_API_KEYS', () => {
  let running: { app: INestApplication; url: string };
  beforeAll(async () => {
    running = await gateway({ ADMIN_API_KEYS: ADMIN_KEY });
  });
  afterAll(() => running.app.close());

  it('answers 401 without a key, with a Basic challenge so that a browser prompts', async () => {
    const res = await fetch(running.url);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="queues"/);
    expect(await res.text()).toMatch(/ADMIN_API_KEYS/);
  });

  it('answers 401 for an unknown key, and ignores a key in the URL', async () => {
    expect((await fetch(running.url, { headers: bearer(`${ADMIN_KEY}x`) })).status).toBe(401);
    expect((await fetch(`${running.url}?key=${ADMIN_KEY}`)).status).toBe(401);
    expect((await fetch(`${running.url}?token=${ADMIN_KEY}`)).status).toBe(401);
  });

  it('answers 403 for a tenant key, as bearer or as Basic password', async () => {
    for (const headers of [bearer(TENANT_KEY), basic(TENANT_KEY)]) {
      const res = await fetch(running.url, { headers });
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(/tenant key/);
    }
  });

  it('serves the page to an operator key, as bearer or as Basic password', async () => {
    for (const headers of [bearer(ADMIN_KEY), basic(ADMIN_KEY)]) {
      const res = await fetch(running.url, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const html = await res.text();
      expect(html).toContain('<title>Claude sessions</title>');
      expect(html).toContain('<base href="/admin/queues/"');
    }
  });

  it("lists the system's queues, read-only", async () => {
    const res = await fetch(`${running.url}/api/queues`, { headers: bearer(ADMIN_KEY) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['maintenance', 'turns']);
    expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
  });

  it('guards the API and the static files too', async () => {
    const html = await (await fetch(running.url, { headers: bearer(ADMIN_KEY) })).text();
    const script = /static\/js\/main\.[^"]+\.js/.exec(html)?.[0];
    expect(script).toBeDefined();
    expect((await fetch(`${running.url}/${script}`)).status).toBe(401);
    expect((await fetch(`${running.url}/${script}`, { headers: bearer(ADMIN_KEY) })).status).toBe(
      200,
    );
    expect((await fetch(`${running.url}/api/queues`)).status).toBe(401);
    expect((await fetch(`${running.url}/api/queues`, { headers: bearer(TENANT_KEY) })).status).toBe(
      403,
    );
  });
});

describe('queue dashboard with ADMIN_QUEUES_WRITABLE=true', () => {
  let running: { app: INestApplication; url: string };
  beforeAll(async () => {
    running = await gateway({ ADMIN_API_KEYS: ADMIN_KEY, ADMIN_QUEUES_WRITABLE: 'true' });
  });
  afterAll(() => running.app.close());

  it('lets operators change jobs', async () => {
    const res = await fetch(`${running.url}/api/queues`, { headers: bearer(ADMIN_KEY) });
    const body = (await res.json()) as { queues: Array<{ readOnlyMode: boolean }> };
    expect(body.queues.map((q) => q.readOnlyMode)).toEqual([false, false]);
  });

  it('refuses a change sent from another site, even with the key a browser cached', async () => {
    const res = await fetch(`${running.url}/api/queues/turns/retry/failed`, {
      method: 'PUT',
      headers: { ...basic(ADMIN_KEY), origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/only from its own page/);
  });
});

describe('queue dashboard without ADMIN_API_KEYS', () => {
  let running: { app: INestApplication; url: string };
  beforeAll(async () => {
    running = await gateway({});
  });
  afterAll(() => running.app.close());

  it('is not mounted: 404 whatever the key', async () => {
    expect((await fetch(running.url)).status).toBe(404);
    expect((await fetch(running.url, { headers: bearer(TENANT_KEY) })).status).toBe(404);
    expect((await fetch(`${running.url}/api/queues`, { headers: bearer(ADMIN_KEY) })).status).toBe(
      404,
    );
  });
});
