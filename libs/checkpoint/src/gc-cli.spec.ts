import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ObjectCheckpointStore } from './checkpoint/object-checkpoint-store';
import { parseGcArgs } from './gc-cli';
import { FsObjectStore } from './object-store/fs-object-store';
import { meta } from './spec/fixtures';

const run = promisify(execFile);
const REPO = join(__dirname, '../../..');

describe('gc-cli', () => {
  it('parses its arguments and refuses anything else', () => {
    expect(parseGcArgs([])).toEqual({ dryRun: false, graceMs: 6 * 60 * 60_000 });
    expect(parseGcArgs(['--dry-run', '--grace-ms', '0'])).toEqual({ dryRun: true, graceMs: 0 });
    expect(parseGcArgs(['--grace-ms=1500'])).toEqual({ dryRun: false, graceMs: 1500 });
    expect(() => parseGcArgs(['--grace-ms', '-1'])).toThrow(/whole number of milliseconds/);
    expect(() => parseGcArgs(['--force'])).toThrow(/unknown argument --force; usage/);
    expect(parseGcArgs(['--delete-session', 'acme/s1']).deleteSessions).toEqual([
      { tenant: 'acme', sessionId: 's1' },
    ]);
    expect(() => parseGcArgs(['--delete-session', 'acme'])).toThrow(/<tenant>\/<sessionId>/);
  });

  it('sweeps the DATA_DIR store named by the environment (dry run first)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gc-cli-'));
    try {
      const store = new ObjectCheckpointStore(new FsObjectStore(join(dataDir, 'checkpoints')));
      await store.create({
        tenant: 'acme',
        sessionId: 's',
        transcript: Buffer.from('{"a":1}\n'),
        meta: meta(),
      });
      await store.content('acme').putBlob(Buffer.from('orphan'));
      const env = { PATH: process.env.PATH, DATA_DIR: dataDir };
      const cli = (...args: string[]) =>
        run(
          process.execPath,
          ['-r', '@swc-node/register', 'libs/checkpoint/src/gc-cli.ts', ...args],
          { cwd: REPO, env },
        );

      const dry = await cli('--dry-run', '--grace-ms', '0');
      expect(JSON.parse(dry.stdout)).toMatchObject({
        dryRun: true,
        scannedObjects: 3,
        reachable: 2,
        deleted: 1,
      });
      expect(dry.stderr).toMatch(/1 of 3 objects, would free \d+ bytes/);
      const real = await cli('--grace-ms', '0');
      expect(JSON.parse(real.stdout)).toMatchObject({ dryRun: false, deleted: 1 });
      expect(JSON.parse((await cli('--grace-ms', '0')).stdout)).toMatchObject({
        scannedObjects: 2,
        deleted: 0,
      });
      // Deleting the session's checkpoints lets the sweep free everything they used.
      const dropped = await cli('--delete-session', 'acme/s', '--grace-ms', '0');
      expect(JSON.parse(dropped.stdout)).toMatchObject({ deleted: 2, reachable: 0 });
      expect(dropped.stderr).toMatch(/deleted 1 checkpoint\(s\) of acme\/s/);
      expect(await store.list('acme', 's')).toEqual([]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
