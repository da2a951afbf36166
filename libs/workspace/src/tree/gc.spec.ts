import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { collectGarbage, ObjectCheckpointStore } from '@app/checkpoint';
import { meta } from '@app/checkpoint/spec/fixtures';
import { restoreWorkspace, snapshotWorkspace } from '.';
import {
  type Backend,
  observe,
  openFsBackend,
  tempDir,
  textBytes,
  uniqueTenant,
  writeWorkspace,
} from './spec/fixtures';

describe('workspace trees and garbage collection', () => {
  let backend: Backend;
  let dir: string;
  beforeAll(async () => {
    backend = await openFsBackend();
    dir = await tempDir('ws-gc-');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await backend.close();
  });

  it('GC keeps every object a checkpointed workspace needs, and sweeps what none needs', async () => {
    const tenant = uniqueTenant();
    const store = new ObjectCheckpointStore(backend.objects);
    const content = store.content(tenant);
    const source = join(dir, 'source');
    await writeWorkspace(source, {
      'src/a.ts': 'a\n',
      'src/deep/b.ts': 'b\n',
      'big.txt': textBytes(400_000, 3),
      link: { link: 'src/a.ts' },
      'empty-dir': { dir: 0o755 },
    });
    const chunking = { minSize: 1024, avgSize: 4096, maxSize: 16384 };
    const kept = await snapshotWorkspace(content, source, {
      maxBytes: 1 << 30,
      maxFiles: 1000,
      smallFileBytes: 8192,
      chunking,
    });
    await store.create({
      tenant,
      sessionId: 's',
      transcript: null,
      meta: meta(1),
      workspace: kept.snapshot,
    });
    await writeWorkspace(source, { 'src/only-in-a-lost-snapshot.ts': 'gone soon\n' });
    await snapshotWorkspace(content, source, {
      maxBytes: 1 << 30,
      maxFiles: 1000,
      smallFileBytes: 8192,
      chunking,
    });

    const report = await collectGarbage(backend.objects, { graceMs: 0 });
    expect(report.errors).toEqual([]);
    // The unreferenced snapshot's file blob and the two trees on its path (root, src).
    expect(report.deleted).toBe(3);

    const target = join(dir, 'restored');
    await rm(join(source, 'src/only-in-a-lost-snapshot.ts'));
    await restoreWorkspace(content, kept.snapshot.tree, target);
    expect(await observe(target)).toEqual(await observe(source));
  });
});
