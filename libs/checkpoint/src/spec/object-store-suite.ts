import { InvalidObjectKey } from '../errors';
import type { ObjectStore } from '../object-store/object-store';
import { collect, type OpenStore, type StoreUnderTest } from './fixtures';

/** What every ObjectStore driver must do the same way. */
export function objectStoreSuite(open: OpenStore): void {
  describe('ObjectStore contract', () => {
    let store: StoreUnderTest;
    let objects: ObjectStore;
    beforeAll(async () => {
      store = await open();
      objects = store.objects;
    });
    afterAll(() => store.close());

    it('puts, gets and heads; a missing key is undefined, not an error', async () => {
      const body = Buffer.from('hello object');
      await expect(objects.put('os/a/one', body)).resolves.toEqual({ created: true });
      expect(await objects.get('os/a/one')).toEqual(body);
      const info = await objects.head('os/a/one');
      expect(info?.size).toBe(body.length);
      expect(Math.abs(Date.now() - (info?.lastModified ?? 0))).toBeLessThan(5_000);
      expect(await objects.get('os/a/none')).toBeUndefined();
      expect(await objects.head('os/a/none')).toBeUndefined();
    });

    it('with ifAbsent leaves an existing object alone; without it replaces the object', async () => {
      await objects.put('os/b/x', Buffer.from('first'));
      await expect(
        objects.put('os/b/x', Buffer.from('second'), { ifAbsent: true }),
      ).resolves.toEqual({
        created: false,
      });
      expect((await objects.get('os/b/x'))?.toString()).toBe('first');
      await objects.put('os/b/x', Buffer.from('third'));
      expect((await objects.get('os/b/x'))?.toString()).toBe('third');
    });

    // Sorted before comparing: s3rver lists `a/b` before `a-b` (S3 and the fs driver use byte
    // order; fs-object-store.spec.ts pins that). Nothing here relies on order across levels.
    it('lists by prefix and after a key, in order within one level', async () => {
      const keys = ['os/l/a-b', 'os/l/a/c/d', 'os/l/a/b', 'os/l/a.x', 'os/l/b', 'os/lx'];
      await Promise.all(keys.map((k) => objects.put(k, Buffer.from(k))));
      const listed = (await collect(objects.list('os/l/'))).map((o) => o.key);
      expect(listed.sort()).toEqual(['os/l/a-b', 'os/l/a.x', 'os/l/a/b', 'os/l/a/c/d', 'os/l/b']);
      const partial = (await collect(objects.list('os/l/a'))).map((o) => o.key);
      expect(partial.sort()).toEqual(['os/l/a-b', 'os/l/a.x', 'os/l/a/b', 'os/l/a/c/d']);
      const after = (await collect(objects.list('os/l/', { startAfter: 'os/l/a/b' }))).map(
        (o) => o.key,
      );
      expect(after.sort()).toEqual(['os/l/a/c/d', 'os/l/b']);
      const sized = await collect(objects.list('os/l/b'));
      expect(sized).toEqual([{ key: 'os/l/b', size: 6, lastModified: expect.any(Number) }]);
      const flat = ['os/f/000000000000002-x', 'os/f/000000000000010-y', 'os/f/000000000000001-z'];
      await Promise.all(flat.map((k) => objects.put(k, Buffer.from('r'))));
      expect((await collect(objects.list('os/f/'))).map((o) => o.key)).toEqual([...flat].sort());
    });

    it('deletes, ignoring keys that do not exist', async () => {
      await objects.put('os/d/1', Buffer.from('1'));
      await objects.put('os/d/2', Buffer.from('2'));
      await objects.delete(['os/d/1', 'os/d/none']);
      expect((await collect(objects.list('os/d/'))).map((o) => o.key)).toEqual(['os/d/2']);
    });

    it('refuses keys that could escape the namespace', async () => {
      for (const key of ['../x', '/abs', 'a/../../b', 'a//b', 'a/.hidden']) {
        await expect(objects.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidObjectKey);
        await expect(objects.get(key)).rejects.toBeInstanceOf(InvalidObjectKey);
      }
      await expect(collect(objects.list('../'))).rejects.toBeInstanceOf(InvalidObjectKey);
    });
  });
}
