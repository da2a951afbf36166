/**
 * `npm run demo`: the whole system on this machine with a scripted local model behind the real
 * claude CLI, driven by an MCP client through start (with a seeded workspace) → live streaming →
 * follow-up with a real tool call → status → checkpoint → workspace diff → terminate → restore
 * from the checkpoint. Nothing leaves the machine.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { discoverClaudeBinary } from '@app/claude';
import { loadConfig } from '@app/config';
import { startEmbeddedRedis } from '@app/redis';
import { startMessagesStub } from '@app/testing/messages-stub';
import { startGateway } from '../apps/gateway/src/main';
import { startWorker } from '../apps/worker/src/main';
import { printEvent } from './print-event';

const KEY = 'demo-key-0123456789abcdef';

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'demo-'));
  const model = await startMessagesStub();
  model.enqueue(
    {
      text: 'Hello! I am a scripted model running behind the real Claude Code CLI. Let me look around.',
      tokenDelayMs: 40,
    },
    {
      toolUse: {
        name: 'Bash',
        input: {
          command: 'echo "print(\'hello from a real tool call\')" >> hello.py && cat hello.py',
          description: 'Edit hello.py',
        },
      },
    },
    { text: 'The tool edited hello.py in the sandboxed workspace.', tokenDelayMs: 40 },
    { toolUse: { name: 'Bash', input: { command: 'cat hello.py', description: 'Show it' } } },
    { text: 'This restored session has the edited file.', tokenDelayMs: 40 },
  );
  const redis = await startEmbeddedRedis(dataDir);
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    WORKER_HEALTH_PORT: '0',
    REDIS_URL: redis.url,
    DATA_DIR: dataDir,
    MCP_API_KEYS: `demo:${KEY}`,
    CLAUDE_BIN: discoverClaudeBinary({ path: process.env.PATH }),
    ANTHROPIC_BASE_URL: model.url,
    ANTHROPIC_API_KEY: 'demo-key',
    LOG_LEVEL: 'warn',
  });
  const worker = await startWorker(config);
  const gateway = await startGateway(config);
  const { port } = gateway.getHttpServer().address() as AddressInfo;
  const url = new URL(`http://127.0.0.1:${port}/mcp`);
  console.log(`\n▶ gateway ${url}  (Redis ${new URL(redis.url).host}, data ${dataDir})\n`);

  const client = new Client({ name: 'demo', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { authorization: `Bearer ${KEY}` } },
    }),
  );
  try {
    const call = async (name: string, args: Record<string, unknown>) => {
      const r = await client.callTool({ name, arguments: args }, undefined, {
        onprogress: (p) => printEvent(p.message),
        resetTimeoutOnProgress: true,
      });
      if (r.isError) throw new Error(JSON.stringify(r.content));
      return r.structuredContent as Record<string, unknown>;
    };
    console.log('── session_start (wait, streaming) ──');
    const started = await call('session_start', {
      prompt: 'Introduce yourself.',
      workspace: { files: [{ path: 'hello.py', content: "print('seeded')\n" }] },
      allowedTools: ['Bash'],
      wait: true,
    });
    const sessionId = String(started.sessionId);
    console.log(`\n   → session ${sessionId}: ${started.status}\n`);

    console.log('── session_send: a follow-up that runs a real Bash tool ──');
    const sent = await call('session_send', {
      sessionId,
      message: 'Add a line to hello.py.',
      wait: true,
    });
    console.log(`\n   → turn ${sent.turn}: ${sent.status}\n`);

    console.log('── session_status ──');
    console.log(await call('session_status', { sessionId }));
    console.log('\n── session_events (first 3 of the stream, any replica can serve this) ──');
    const page = await call('session_events', { sessionId, limit: 3 });
    for (const e of page.events as Array<Record<string, unknown>>)
      console.log(`   #${e.seq} ${e.kind} ${JSON.stringify(e.data).slice(0, 100)}…`);
    console.log('\n── checkpoint_create (transcript + workspace, content-addressed) ──');
    const checkpoint = await call('checkpoint_create', { sessionId, label: 'after the edit' });
    console.log(checkpoint);
    console.log('\n── workspace_diff (seed → latest, read from the object store) ──');
    console.log(String((await call('workspace_diff', { sessionId })).diff));
    console.log('── session_terminate ──');
    console.log(await call('session_terminate', { sessionId }));
    console.log('\n── session_start { checkpointId }: restore into a new session ──');
    const restored = await call('session_start', {
      prompt: 'Show me hello.py.',
      checkpointId: checkpoint.checkpointId,
      wait: true,
    });
    console.log(`\n   → session ${String(restored.sessionId)}: ${String(restored.status)}`);
  } finally {
    await client.close();
    await gateway.close();
    await worker.close();
    await redis.stop();
    await model.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
