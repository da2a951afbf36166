import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { claudeBinaryPath, offlineCliEnv } from './cli-env';
import { MessagesStub } from './messages-stub';
import { makeCliSandbox, userLine, type CliSandbox } from './run-claude';

const CLAUDE = claudeBinaryPath();

/** Runs the CLI once with one stdin line; stdin is closed right away, which ends the session. */
function runOnce(stub: MessagesStub, sandbox: CliSandbox, prompt: string) {
  const child = spawn(
    CLAUDE,
    ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose'],
    {
      cwd: sandbox.cwd,
      env: offlineCliEnv({ baseUrl: stub.url, home: sandbox.home, configDir: sandbox.configDir }),
    },
  );
  child.stdin.end(userLine(prompt));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('real claude CLI against the stub', () => {
  if (!existsSync(CLAUDE)) {
    it('needs node_modules/.bin/claude (npm install)', () => {
      throw new Error(`claude CLI not installed at ${CLAUDE}`);
    });
    return;
  }

  let stub: MessagesStub;
  let sandbox: CliSandbox;
  beforeEach(async () => {
    stub = await MessagesStub.start();
    sandbox = makeCliSandbox();
  });
  afterEach(async () => {
    await stub.close();
    sandbox.remove();
  });

  it('relays the scripted text as an assistant message and a successful result', async () => {
    stub.enqueue({ text: 'Hello from the stub.' });
    const run = await runOnce(stub, sandbox, 'Say hello.');
    const messages = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

    expect(run.code).toBe(0);
    const assistant = messages.find((m) => m.type === 'assistant') as {
      message: { content: unknown[] };
    };
    expect(assistant.message.content).toEqual([{ type: 'text', text: 'Hello from the stub.' }]);
    expect(messages.at(-1)).toMatchObject({
      type: 'result',
      is_error: false,
      result: 'Hello from the stub.',
    });

    const [sent] = stub.conversationRequests();
    expect(JSON.stringify(sent.messages)).toContain('Say hello.');
    expect(stub.requests().map((r) => r.kind)).toEqual(['conversation']);
  });
});
