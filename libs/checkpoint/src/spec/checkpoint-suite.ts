import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readChunkList } from '../checkpoint/chunked-content';
import { ObjectCheckpointStore } from '../checkpoint/object-checkpoint-store';
import { objectsPrefix, refsPrefix } from '../content/layout';
import {
  CheckpointNotFound,
  InvalidCheckpointArgument,
  ObjectCorrupted,
  ObjectMissing,
} from '../errors';
import { sha256Hex } from '../hashing';
import {
  collect,
  meta,
  type OpenStore,
  SMALL_CHUNKS,
  type StoreUnderTest,
  uniqueTenant,
} from './fixtures';
import { SyntheticTranscript } from './synthetic-transcript';

/** Create, list, read and restore checkpoints: the same expectations for every backend. */
export function checkpointSuite(open: OpenStore): void {
  describe('CheckpointStore', () => {
    let backend: StoreUnderTest;
    let store: ObjectCheckpointStore;
    let dir: string;
    beforeAll(async () => {
      backend = await open();
      store = new ObjectCheckpointStore(backend.objects, { chunking: SMALL_CHUNKS });
      dir = await mkdtemp(join(tmpdir(), 'ckpt-restore-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
      await backend.close();
    });
    const objectKeys = async (tenant: string) =>
      (await collect(backend.objects.list(objectsPrefix(tenant)))).map((o) => o.key);

    it('round-trips a transcript byte for byte with a fresh mtime, and lists it', async () => {
      const tenant = uniqueTenant();
      const transcript = new SyntheticTranscript(11).growTo(300_000);
      const created = await store.create({
        tenant,
        sessionId: 's1',
        label: 'first',
        transcript,
        meta: meta(1),
      });
      expect(created.checkpointId).toMatch(/^[0-9a-f]{64}$/);
      expect(created.bytes).toBe(transcript.length);
      expect(created.storedBytes).toBeLessThan(transcript.length * 0.5);
      expect(created.newBytes).toBeGreaterThanOrEqual(transcript.length);
      expect(created.manifest.transcript?.pages.length).toBeGreaterThan(0);
      const stored = await backend.objects.get(
        `${objectsPrefix(tenant)}${created.checkpointId.slice(0, 2)}/${created.checkpointId}`,
      );
      expect(stored).toBeDefined();

      const manifest = await store.read(tenant, created.checkpointId);
      expect(manifest).toEqual(created.manifest);
      expect(manifest.transcript?.fileName).toBe('claude-abc.jsonl');
      const target = join(dir, 'projects', '-workspace', 'claude-abc.jsonl');
      const restored = await store.restoreTranscript(tenant, manifest, target);
      expect(restored).toEqual({ path: target, bytes: transcript.length, files: 1 });
      expect(sha256Hex(await readFile(target))).toBe(sha256Hex(transcript));
      expect(Date.now() - (await stat(target)).mtimeMs).toBeLessThan(10_000);
      expect(await store.list(tenant, 's1')).toEqual([
        {
          checkpointId: created.checkpointId,
          label: 'first',
          createdAt: manifest.createdAt,
          turn: 1,
          bytes: transcript.length,
        },
      ]);
    });

    it('stores only what the next turn appended, and restores every version', async () => {
      const tenant = uniqueTenant();
      const session = new SyntheticTranscript(12);
      const v1 = Buffer.from(session.growTo(400_000));
      const first = await store.create({ tenant, sessionId: 's', transcript: v1, meta: meta(1) });
      const added = session.appendTurn(20_000);
      const second = await store.create({
        tenant,
        sessionId: 's',
        transcript: session.bytes(),
        meta: meta(2),
        previous: first.manifest,
      });
      expect(second.manifest.parent).toBe(first.checkpointId);
      const manifestBytes = (await store.content(tenant).getBlob(second.checkpointId)).length;
      expect(second.newBytes - manifestBytes).toBeLessThanOrEqual(added.length * 1.25);
      expect(second.newBytes).toBeLessThanOrEqual(added.length * 1.5);
      const unchanged = await store.create({
        tenant,
        sessionId: 's',
        transcript: session.bytes(),
        meta: meta(3),
        previous: second.manifest,
      });
      // Nothing appended: the new manifest is the only new object.
      expect(unchanged.newBytes).toBe(
        (await store.content(tenant).getBlob(unchanged.checkpointId)).length,
      );

      const list = await store.list(tenant, 's');
      expect(list.map((c) => c.checkpointId)).toEqual([
        first.checkpointId,
        second.checkpointId,
        unchanged.checkpointId,
      ]);
      await store.restoreTranscript(
        tenant,
        await store.read(tenant, first.checkpointId),
        join(dir, 'v1.jsonl'),
      );
      await store.restoreTranscript(
        tenant,
        await store.read(tenant, second.checkpointId),
        join(dir, 'v2.jsonl'),
      );
      expect((await readFile(join(dir, 'v1.jsonl'))).equals(v1)).toBe(true);
      expect((await readFile(join(dir, 'v2.jsonl'))).equals(session.bytes())).toBe(true);
    });

    it('detects a flipped byte in any object and leaves the target untouched', async () => {
      const tenant = uniqueTenant();
      const transcript = new SyntheticTranscript(13).growTo(150_000);
      const { checkpointId } = await store.create({
        tenant,
        sessionId: 's',
        transcript,
        meta: meta(),
      });
      const manifest = await store.read(tenant, checkpointId);
      const target = join(dir, 'flip.jsonl');
      await writeFile(target, 'previous content');
      const keys = await objectKeys(tenant);
      expect(keys.length).toBeGreaterThan(10);
      for (const key of keys) {
        const original = (await backend.objects.get(key)) as Buffer;
        const flipped = Buffer.from(original);
        flipped[flipped.length >> 1] ^= 0x20;
        await backend.objects.put(key, flipped);
        const attempt = key.endsWith(checkpointId)
          ? store.read(tenant, checkpointId)
          : store.restoreTranscript(tenant, manifest, target);
        await expect(attempt).rejects.toBeInstanceOf(ObjectCorrupted);
        await expect(attempt).rejects.toThrow(
          /CheckpointCorrupted: object [0-9a-f]{12}… .*failed its hash check/,
        );
        await backend.objects.put(key, original);
      }
      expect(await readFile(target, 'utf8')).toBe('previous content');
      expect((await readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
    });

    it('reports a missing object clearly and writes nothing', async () => {
      const tenant = uniqueTenant();
      const transcript = new SyntheticTranscript(14).growTo(100_000);
      const { checkpointId } = await store.create({
        tenant,
        sessionId: 's',
        transcript,
        meta: meta(),
      });
      const [chunk] = await chunkHashes(store, tenant, checkpointId);
      await backend.objects.delete([`${objectsPrefix(tenant)}${chunk.slice(0, 2)}/${chunk}`]);
      const target = join(dir, 'missing', 'never.jsonl');
      const attempt = store.restoreTranscript(
        tenant,
        await store.read(tenant, checkpointId),
        target,
      );
      await expect(attempt).rejects.toBeInstanceOf(ObjectMissing);
      await expect(attempt).rejects.toThrow(
        `object ${chunk.slice(0, 12)}… of tenant ${tenant} is not in the store`,
      );
      await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await readdir(join(dir, 'missing'))).toEqual([]);
    });

    it('stores one copy when two checkpoints of the same content are created at once', async () => {
      const tenant = uniqueTenant();
      const transcript = new SyntheticTranscript(15).growTo(200_000);
      const input = {
        tenant,
        sessionId: 's',
        transcript,
        meta: meta(),
        createdAt: 1_770_000_000_000,
      };
      const [a, b] = await Promise.all([store.create(input), store.create(input)]);
      expect(a.checkpointId).toBe(b.checkpointId);
      const pages = a.manifest.transcript?.pages ?? [];
      const chunks =
        (a.manifest.transcript?.chunks.length ?? 0) + pages.reduce((n, p) => n + p.chunks, 0);
      const distinctChunks = new Set(await chunkHashes(store, tenant, a.checkpointId)).size;
      expect(distinctChunks).toBeLessThanOrEqual(chunks);
      expect(await objectKeys(tenant)).toHaveLength(distinctChunks + pages.length + 1);
      expect(await store.list(tenant, 's')).toHaveLength(1);
    });

    it('keeps tenants apart: same content stored twice, and another tenant’s id is not found', async () => {
      const [tenantA, tenantB] = [uniqueTenant(), uniqueTenant()];
      const transcript = new SyntheticTranscript(16).growTo(50_000);
      const a = await store.create({ tenant: tenantA, sessionId: 's', transcript, meta: meta() });
      const b = await store.create({ tenant: tenantB, sessionId: 's', transcript, meta: meta() });
      // B pays for its own copy: deduplication never reveals that A stored the same bytes.
      expect(b.newBytes).toBe(a.newBytes);
      expect(Math.abs(b.storedBytes - a.storedBytes)).toBeLessThan(20); // manifests differ in tenant and time
      expect((await objectKeys(tenantA)).length).toBe((await objectKeys(tenantB)).length);
      await expect(store.read(tenantB, a.checkpointId)).rejects.toBeInstanceOf(CheckpointNotFound);
      await expect(
        store.restoreTranscript(tenantB, a.manifest, join(dir, 'x.jsonl')),
      ).rejects.toBeInstanceOf(CheckpointNotFound);
      expect(await store.list(tenantB, 'other')).toEqual([]);
    });

    it('answers not found for deleted sessions, non-manifest hashes and unknown ids; invalid ids are refused', async () => {
      const tenant = uniqueTenant();
      const created = await store.create({
        tenant,
        sessionId: 'gone',
        transcript: Buffer.from('{"a":1}\n'),
        meta: meta(),
      });
      const [chunk] = await chunkHashes(store, tenant, created.checkpointId);
      await expect(store.read(tenant, chunk)).rejects.toBeInstanceOf(CheckpointNotFound);
      await expect(store.read(tenant, 'f'.repeat(64))).rejects.toBeInstanceOf(CheckpointNotFound);
      await expect(store.read(tenant, 'not-an-id')).rejects.toBeInstanceOf(
        InvalidCheckpointArgument,
      );
      await expect(store.list('../x', 's')).rejects.toBeInstanceOf(InvalidCheckpointArgument);
      expect(await store.deleteSession(tenant, 'gone')).toEqual({ deleted: 1 });
      expect(await store.list(tenant, 'gone')).toEqual([]);
      await expect(store.read(tenant, created.checkpointId)).rejects.toBeInstanceOf(
        CheckpointNotFound,
      );
      expect(await collect(backend.objects.list(refsPrefix(tenant)))).toEqual([]);
    });

    it('restores extra files beside the transcript, holds checkpoints without one, and survives a bad ref body', async () => {
      const tenant = uniqueTenant();
      const extra = Buffer.from('tool output\n'.repeat(500));
      const created = await store.create({
        tenant,
        sessionId: 's',
        transcript: Buffer.from('{"type":"user"}\n'),
        extraFiles: [{ path: 'claude-abc/tool-results/r1.txt', content: extra }],
        meta: meta(),
      });
      const target = join(dir, 'extra', 'claude-abc.jsonl');
      expect(await store.restoreTranscript(tenant, created.manifest, target)).toMatchObject({
        files: 2,
      });
      expect(
        (await readFile(join(dir, 'extra', 'claude-abc', 'tool-results', 'r1.txt'))).equals(extra),
      ).toBe(true);

      const empty = await store.create({ tenant, sessionId: 'e', transcript: null, meta: meta(0) });
      expect(empty.manifest.transcript).toBeNull();
      expect(
        await store.restoreTranscript(tenant, empty.manifest, join(dir, 'none.jsonl')),
      ).toEqual({ path: null, bytes: 0, files: 0 });

      const [ref] = await collect(backend.objects.list(refsPrefix(tenant, 's')));
      await backend.objects.put(ref.key, Buffer.from('not json'));
      expect(await store.list(tenant, 's')).toEqual([
        expect.objectContaining({ checkpointId: created.checkpointId, turn: 1 }),
      ]);
    });
  });
}

async function chunkHashes(
  store: ObjectCheckpointStore,
  tenant: string,
  checkpointId: string,
): Promise<string[]> {
  const manifest = await store.read(tenant, checkpointId);
  return manifest.transcript
    ? (await readChunkList(store.content(tenant), manifest.transcript)).map((c) => c.hash)
    : [];
}
