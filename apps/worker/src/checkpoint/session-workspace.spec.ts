import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore, ObjectCheckpointStore } from '@app/checkpoint';
import { seedLimitsOf } from '@app/workspace';
import { SessionWorkspaces } from './session-workspace';

describe('SessionWorkspaces: a tenant’s workspaceBytes quota', () => {
  let root: string;
  let workspaces: SessionWorkspaces;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ws-quota-'));
    const limits = {
      maxBytes: 1024 ** 3,
      maxFiles: 1000,
      gitAllowedUrls: ['https://'],
      gitCloneTimeoutMs: 10_000,
    };
    workspaces = new SessionWorkspaces(
      new ObjectCheckpointStore(new FsObjectStore(join(root, 'store'))),
      {
        maxBytes: limits.maxBytes,
        maxFiles: limits.maxFiles,
        excludes: [],
        seed: seedLimitsOf(limits),
        workspaceBytesOf: (tenant) => (tenant === 'acme' ? 1_500 : 1024 ** 3),
      },
    );
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('leaves out and reports what is over the quota at a checkpoint, for that tenant only', async () => {
    const dir = join(root, 'ws');
    await mkdir(dir);
    await writeFile(join(dir, 'a.txt'), 'a'.repeat(1_000));
    await writeFile(join(dir, 'b.txt'), 'b'.repeat(1_000));
    const acme = await workspaces.capture('acme', 's-acme', dir);
    expect(acme.skipped).toEqual([
      expect.objectContaining({
        path: expect.stringMatching(/^[ab]\.txt$/),
        reason: 'over_size_limit',
      }),
    ]);
    const globex = await workspaces.capture('globex', 's-globex', dir);
    expect(globex.skipped).toEqual([]);
  });
});
