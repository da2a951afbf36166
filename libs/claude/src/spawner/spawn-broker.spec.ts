import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { eventually } from '@app/testing/eventually';
import { SpawnBroker, type BrokeredChild } from './spawn-broker';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const request = (command: string, args: string[] = []) => ({ command, args, cwd: '/', env });

async function output(child: BrokeredChild): Promise<string> {
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  await once(child.stdout, 'close');
  return text;
}

function exited(child: BrokeredChild): Promise<[number | null, NodeJS.Signals | null]> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve([child.exitCode, child.signalCode]);
  return once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
}

/** Running, as opposed to gone or a zombie waiting for whoever inherited it to reap it. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('SpawnBroker', () => {
  let broker: SpawnBroker;
  beforeEach(() => (broker = new SpawnBroker()));
  afterEach(() => broker.close());

  it('hands back working pipes: stdin reaches the process, its EOF too, stdout comes back', async () => {
    const child = await broker.spawn(request('/bin/cat'));
    expect(child.pid).toBeGreaterThan(0);
    const text = output(child);
    child.stdin.write('through the broker\n');
    child.stdin.end();
    expect(await text).toBe('through the broker\n');
    expect(await exited(child)).toEqual([0, null]);
  });

  it('passes cwd, environment and stderr', async () => {
    const child = await broker.spawn({
      command: '/bin/sh',
      args: ['-c', 'pwd; echo "$ONLY_THIS"; echo oops >&2; exit 3'],
      cwd: '/tmp',
      env: { ...env, ONLY_THIS: 'value' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const stderrClosed = once(child.stderr, 'close');
    expect(await output(child)).toBe('/tmp\nvalue\n');
    expect(await exited(child)).toEqual([3, null]);
    await stderrClosed;
    expect(stderr).toBe('oops\n');
  });

  it('rejects with the spawn error when the command cannot start', async () => {
    await expect(broker.spawn(request('/no/such/binary'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('starts each process in its own group, so the group can be killed', async () => {
    const child = await broker.spawn(request('/bin/sh', ['-c', 'sleep 30 & wait']));
    process.kill(-(child.pid ?? 0), 'SIGTERM');
    expect(await exited(child)).toEqual([null, 'SIGTERM']);
  });

  it('kill() signals the process and the exit is reported', async () => {
    const child = await broker.spawn(request('/bin/sleep', ['30']));
    expect(child.kill('SIGKILL')).toBe(true);
    expect(await exited(child)).toEqual([null, 'SIGKILL']);
    expect(child.kill('SIGKILL')).toBe(false);
  });

  it('when the broker goes away, what it started is killed and reported as exited', async () => {
    const child = await broker.spawn(request('/bin/sleep', ['30']));
    const pid = child.pid ?? 0;
    broker.close();
    expect(await exited(child)).toEqual([null, 'SIGKILL']);
    await eventually(`process ${pid} to be gone`, () => !alive(pid));
    // The next spawn starts a new broker.
    const next = await broker.spawn(request('/bin/echo', ['again']));
    expect(await output(next)).toBe('again\n');
  });
});

describe('SpawnBroker replaced while busy', () => {
  it("the old broker's exit touches only what it started", async () => {
    const broker = new SpawnBroker();
    try {
      const old = await broker.spawn(request('/bin/sleep', ['30']));
      broker.close();
      // Started on a new broker before the old one's exit is reported.
      const next = await broker.spawn(request('/bin/sh', ['-c', 'sleep 0.5; echo survived']));
      expect(await exited(old)).toEqual([null, 'SIGKILL']);
      expect(await output(next)).toBe('survived\n');
      expect(await exited(next)).toEqual([0, null]);
    } finally {
      broker.close();
    }
  });
});
