import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from './object-store/fs-object-store';
import { describeStoreSuite } from './spec/store-suite';

describeStoreSuite('the filesystem', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ckpt-fs-'));
  return {
    objects: new FsObjectStore(root),
    close: () => rm(root, { recursive: true, force: true }),
  };
});
