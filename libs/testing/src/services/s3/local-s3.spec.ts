import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TestServiceStartFailed } from '../errors';
import { LOOPBACK } from '../net';
import { startTestS3 } from './start-test-s3';
import type { TestS3 } from './types';

/** What only the in-process s3rver path does: temp dirs and restarting on the same port. */
describe('startTestS3 (local s3rver)', () => {
  let s3: TestS3 | undefined;
  afterEach(async () => {
    await s3?.close();
    s3 = undefined;
  });

  it('stores the bucket in a private temp dir that close() removes', async () => {
    s3 = await startTestS3({ source: 'local' });
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const dir = s3.dataDir!;
    expect(dir.startsWith(os.tmpdir())).toBe(true);
    expect(fs.existsSync(path.join(dir, s3.bucket))).toBe(true);
    await s3.close();
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('says which port was taken when start() cannot get it back', async () => {
    s3 = await startTestS3({ source: 'local' });
    await s3.stop();
    const port = Number(new URL(s3.endpoint).port);
    const squatter = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(port, LOOPBACK, resolve));
    try {
      const failure = await s3.start().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(TestServiceStartFailed);
      expect((failure as Error).message).toContain(`port ${port} was taken`);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
    await s3.start();
  });
});
