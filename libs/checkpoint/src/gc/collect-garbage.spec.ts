import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentStore } from '../content/content-store';
import { FsObjectStore } from '../object-store/fs-object-store';
import type { ObjectInfo } from '../object-store/object-store';
import { collectGarbage } from './collect-garbage';

/** A checkpoint that reuses (and so refreshes) an object while GC runs, right after GC listed it. */
class RefreshOnFirstHead extends FsObjectStore {
  private refreshed = false;
  constructor(
    root: string,
    private readonly key: string,
  ) {
    super(root);
  }
  override async head(key: string): Promise<ObjectInfo | undefined> {
    if (key === this.key && !this.refreshed) {
      this.refreshed = true;
      await this.put(key, (await this.get(key)) as Buffer);
    }
    return super.head(key);
  }
}

describe('collectGarbage against a concurrent checkpoint', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'gc-race-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('checks each candidate’s age again before deleting it', async () => {
    const content = new ContentStore(new FsObjectStore(root), 'acme');
    const reused = await content.putBlob(Buffer.from('old, about to be reused'));
    const garbage = await content.putBlob(Buffer.from('old and unused'));
    const old = new Date(Date.now() - 2 * 60 * 60_000);
    for (const { hash } of [reused, garbage])
      await utimes(join(root, content.keyOf(hash)), old, old);

    const racing = new RefreshOnFirstHead(root, content.keyOf(reused.hash));
    const report = await collectGarbage(racing, { graceMs: 60 * 60_000 });
    expect(report).toMatchObject({ scannedObjects: 2, deleted: 1 });
    expect(await content.hasBlob(reused.hash)).toBe(true);
    expect(await content.hasBlob(garbage.hash)).toBe(false);
  });
});
