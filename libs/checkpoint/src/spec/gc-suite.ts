import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readChunkList } from '../checkpoint/chunked-content';
import { ObjectCheckpointStore } from '../checkpoint/object-checkpoint-store';
import { objectKey, objectsPrefix, TENANTS_PREFIX } from '../content/layout';
import { collectGarbage } from '../gc/collect-garbage';
import { canonicalJsonBytes } from '../manifest/canonical-json';
import type { CheckpointManifest } from '../manifest/schema';
import type { WorkspaceTree } from '../manifest/tree';
import {
  collect,
  meta,
  type OpenStore,
  SMALL_CHUNKS,
  type StoreUnderTest,
  uniqueTenant,
} from './fixtures';
import { SyntheticTranscript } from './synthetic-transcript';

/** Each test gets its own empty store: GC sweeps every tenant in it. */
export function gcSuite(open: OpenStore): void {
  describe('collectGarbage', () => {
    let backend: StoreUnderTest;
    let store: ObjectCheckpointStore;
    let dir: string;
    beforeEach(async () => {
      backend = await open();
      store = new ObjectCheckpointStore(backend.objects, { chunking: SMALL_CHUNKS });
      dir = await mkdtemp(join(tmpdir(), 'gc-restore-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
      await backend.close();
    });
    /** As if every object were a few seconds old (S3 keeps whole seconds). */
    const later = () => Date.now() + 5_000;
    const allKeys = async () =>
      (await collect(backend.objects.list(TENANTS_PREFIX))).map((o) => o.key).sort();

    async function reachableKeys(
      tenant: string,
      manifests: Array<{ checkpointId: string; manifest: CheckpointManifest }>,
    ) {
      const keys = new Set<string>();
      for (const { checkpointId, manifest } of manifests) {
        keys.add(objectKey(tenant, checkpointId));
        const transcript = manifest.transcript;
        if (!transcript) continue;
        transcript.pages.forEach((p) => keys.add(objectKey(tenant, p.hash)));
        (await readChunkList(store.content(tenant), transcript)).forEach((c) =>
          keys.add(objectKey(tenant, c.hash)),
        );
      }
      return keys;
    }

    it('keeps what refs reach, sweeps the rest (dry run first, young objects kept), and frees a deleted session', async () => {
      const tenant = uniqueTenant();
      const session = new SyntheticTranscript(21);
      const v1 = Buffer.from(session.growTo(120_000));
      const k1 = await store.create({ tenant, sessionId: 'keep', transcript: v1, meta: meta(1) });
      session.appendTurn(20_000);
      const k2 = await store.create({
        tenant,
        sessionId: 'keep',
        transcript: session.bytes(),
        meta: meta(2),
        previous: k1.manifest,
      });
      // A fork of k1 in another session: shares k1's chunks, adds its own.
      const fork = Buffer.concat([v1, new SyntheticTranscript(99).growTo(30_000)]);
      await store.create({
        tenant,
        sessionId: 'drop',
        transcript: fork,
        meta: meta(2),
        previous: k1.manifest,
      });
      await store.content(tenant).putBlob(Buffer.from('orphan from a crashed checkpoint'));
      await store.deleteSession(tenant, 'drop');

      const before = await allKeys();
      const keep = await reachableKeys(tenant, [k1, k2]);
      const garbage = before.filter((k) => !keep.has(k) && !k.includes('/refs/'));
      expect(garbage.length).toBeGreaterThan(2);

      const young = await collectGarbage(backend.objects, { graceMs: 60 * 60_000 });
      expect(young).toMatchObject({
        deleted: 0,
        bytesFreed: 0,
        keptYoung: garbage.length,
        reachable: keep.size,
      });
      const dry = await collectGarbage(backend.objects, { graceMs: 0, dryRun: true, now: later });
      expect(dry).toMatchObject({
        dryRun: true,
        deleted: garbage.length,
        scannedObjects: keep.size + garbage.length,
      });
      expect(dry.bytesFreed).toBeGreaterThan(0);
      expect(await allKeys()).toEqual(before);

      const swept = await collectGarbage(backend.objects, { graceMs: 0, now: later });
      expect(swept).toMatchObject({
        dryRun: false,
        deleted: garbage.length,
        bytesFreed: dry.bytesFreed,
        reachable: keep.size,
        errors: [],
      });
      expect(await allKeys()).toEqual(
        [...keep]
          .sort()
          .concat(refKeysOf(await allKeys()))
          .sort(),
      );
      const target = join(dir, 'k2.jsonl');
      await store.restoreTranscript(tenant, await store.read(tenant, k2.checkpointId), target);
      expect((await readFile(target)).equals(session.bytes())).toBe(true);
      expect(await collectGarbage(backend.objects, { graceMs: 0, now: later })).toMatchObject({
        deleted: 0,
      });
    });

    it('leaves a tenant untouched when a manifest it references is corrupted, and still sweeps the others', async () => {
      const [broken, healthy] = [uniqueTenant(), uniqueTenant()];
      const bad = await store.create({
        tenant: broken,
        sessionId: 's',
        transcript: Buffer.from('{"a":1}\n'),
        meta: meta(),
      });
      await store.content(broken).putBlob(Buffer.from('orphan of the broken tenant'));
      await store.content(healthy).putBlob(Buffer.from('orphan of the healthy tenant'));
      const manifestKey = objectKey(broken, bad.checkpointId);
      const stored = (await backend.objects.get(manifestKey)) as Buffer;
      stored[stored.length >> 1] ^= 0xff;
      await backend.objects.put(manifestKey, stored);

      const report = await collectGarbage(backend.objects, { graceMs: 0, now: later });
      expect(report.skippedTenants).toEqual([broken]);
      expect(report.errors[0]).toMatch(
        new RegExp(`tenant ${broken} not swept: CheckpointCorrupted`),
      );
      expect(report.deleted).toBe(1);
      expect(await collect(backend.objects.list(objectsPrefix(healthy)))).toEqual([]);
      expect((await collect(backend.objects.list(objectsPrefix(broken)))).length).toBe(3);
    });

    it('reports a ref whose manifest is gone without blocking the sweep', async () => {
      const tenant = uniqueTenant();
      const lost = await store.create({
        tenant,
        sessionId: 's',
        transcript: Buffer.from('{"a":1}\n'),
        meta: meta(),
      });
      await backend.objects.delete([objectKey(tenant, lost.checkpointId)]);
      const report = await collectGarbage(backend.objects, { graceMs: 0, now: later });
      expect(report).toMatchObject({ danglingRefs: 1, deleted: 1, skippedTenants: [] });
      expect(report.errors[0]).toMatch(
        /whose manifest is missing; delete that session's checkpoints/,
      );
    });

    it('follows workspace trees: subtrees and file contents stay', async () => {
      const tenant = uniqueTenant();
      const content = store.content(tenant);
      const file = await content.putBlob(Buffer.from('console.log(1)\n'));
      const sub: WorkspaceTree = {
        kind: 'tree',
        version: 1,
        entries: [{ name: 'a.js', type: 'file', mode: 0o644, size: file.size, hash: file.hash }],
      };
      const subtree = await content.putBlob(canonicalJsonBytes(sub));
      const root: WorkspaceTree = {
        kind: 'tree',
        version: 1,
        entries: [
          { name: 'link', type: 'symlink', mode: 0o777, target: 'src/a.js' },
          { name: 'src', type: 'dir', mode: 0o755, hash: subtree.hash },
        ],
      };
      const tree = await content.putBlob(canonicalJsonBytes(root));
      const created = await store.create({
        tenant,
        sessionId: 's',
        transcript: null,
        meta: meta(),
        workspace: { tree: tree.hash, files: 1, bytes: file.size },
      });
      expect(created.bytes).toBe(file.size);
      const report = await collectGarbage(backend.objects, { graceMs: 0, now: later });
      expect(report).toMatchObject({ deleted: 0, reachable: 4 });
    });
  });
}

function refKeysOf(keys: string[]): string[] {
  return keys.filter((k) => k.includes('/refs/'));
}
