import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { eventually } from '../eventually';
import { isPortOpen, LOOPBACK } from './net';

interface Held {
  redisPort: number;
  redisDir: string;
  s3Dir: string;
}

/** A test process that dies without close() (jest force-killing a worker) must not leak. */
describe('orphan guard', () => {
  it('kills redis-server and removes temp dirs when the owning process is SIGKILLed', async () => {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', path.join(__dirname, 'fixtures/hold-services.ts')],
      {
        cwd: path.resolve(__dirname, '../../../..'),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const held = await new Promise<Held>((resolve, reject) => {
      child.stdout.once('data', (c: Buffer) => resolve(JSON.parse(c.toString()) as Held));
      child.once('exit', (code) => reject(new Error(`fixture exited with ${code}: ${stderr}`)));
    });
    expect(await isPortOpen(LOOPBACK, held.redisPort)).toBe(true);
    expect(fs.existsSync(held.redisDir) && fs.existsSync(held.s3Dir)).toBe(true);

    child.kill('SIGKILL');

    await eventually(
      'the orphaned redis-server to stop and its temp dirs to go',
      async () =>
        !(await isPortOpen(LOOPBACK, held.redisPort)) &&
        !fs.existsSync(held.redisDir) &&
        !fs.existsSync(held.s3Dir),
      { timeoutMs: 5_000, intervalMs: 50 },
    );
  });
});
