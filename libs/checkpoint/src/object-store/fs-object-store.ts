import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { mapBounded } from '../concurrency';
import { assertKeyPrefix, assertObjectKey } from './object-key';
import type { ListedObject, ObjectInfo, ObjectStore, PutResult } from './object-store';

const DELETE_CONCURRENCY = 16;

/**
 * Objects as files under `root`, one file per key (`root/tenants/acme/objects/ab/abcd…`).
 * Writes go to a temp file in the same directory, are fsynced, then renamed (or hard-linked
 * for ifAbsent, which fails atomically when the name exists), so a reader never sees half a
 * file and a crash leaves at worst a `.tmp-*` file that no listing returns.
 */
export class FsObjectStore implements ObjectStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, body: Buffer, options: { ifAbsent?: boolean } = {}): Promise<PutResult> {
    const file = this.fileOf(key);
    if (options.ifAbsent && (await this.head(key))) return { created: false };
    const tmp = await this.writeTemp(dirname(file), body);
    try {
      if (options.ifAbsent) {
        const linked = await link(tmp, file).then(
          () => true,
          (err: unknown) => (errCode(err) === 'EEXIST' ? false : Promise.reject(err)),
        );
        if (!linked) return { created: false };
      } else {
        await rename(tmp, file);
      }
      await syncDirectory(dirname(file));
      return { created: true };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    return readFile(this.fileOf(key)).catch(undefinedWhenMissing);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const info = await stat(this.fileOf(key)).catch(undefinedWhenMissing);
    if (!info?.isFile()) return undefined;
    return { size: info.size, lastModified: info.mtimeMs };
  }

  async *list(prefix: string, options: { startAfter?: string } = {}): AsyncIterable<ListedObject> {
    assertKeyPrefix(prefix);
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    yield* this.walk(base, prefix, options.startAfter ?? '');
  }

  async delete(keys: readonly string[]): Promise<void> {
    keys.forEach(assertObjectKey);
    await mapBounded(keys, DELETE_CONCURRENCY, async (key) => {
      const file = this.fileOf(key);
      await rm(file, { force: true });
      await this.pruneEmptyParents(dirname(file));
    });
  }

  close(): void {
    // Nothing held open between calls.
  }

  private fileOf(key: string): string {
    assertObjectKey(key);
    return join(this.root, key);
  }

  /** Retries once when a concurrent delete pruned the directory between mkdir and open. */
  private async writeTemp(dir: string, body: Buffer): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      await mkdir(dir, { recursive: true });
      const tmp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
      try {
        const handle = await open(tmp, 'wx');
        try {
          await handle.writeFile(body);
          await handle.sync();
        } finally {
          await handle.close();
        }
        return tmp;
      } catch (err) {
        await rm(tmp, { force: true });
        if (errCode(err) !== 'ENOENT' || attempt > 0) throw err;
      }
    }
  }

  /**
   * Depth-first in key order: a directory sorts as `name/`, which is exactly where its keys
   * fall among its siblings' keys, so no global sort (or full key list in memory) is needed.
   */
  private async *walk(
    dirKey: string,
    prefix: string,
    startAfter: string,
  ): AsyncIterable<ListedObject> {
    const entries = await readdir(join(this.root, dirKey), { withFileTypes: true }).catch(
      (err: unknown) => (isMissing(err) ? [] : Promise.reject(err)),
    );
    for (const { key, entry } of sortedEntries(dirKey, entries)) {
      if (entry.isDirectory()) {
        if (!prefix.startsWith(key) && !key.startsWith(prefix)) continue;
        if (key < startAfter && !startAfter.startsWith(key)) continue;
        yield* this.walk(key, prefix, startAfter);
      } else if (entry.isFile() && key.startsWith(prefix) && key > startAfter) {
        const info = await this.head(key);
        if (info) yield { key, ...info };
      }
    }
  }

  private async pruneEmptyParents(dir: string): Promise<void> {
    for (let current = dir; current.startsWith(this.root + '/'); current = dirname(current)) {
      const removed = await rmdir(current).then(
        () => true,
        () => false,
      );
      if (!removed) return;
    }
  }
}

function sortedEntries(dirKey: string, entries: Dirent[]): Array<{ key: string; entry: Dirent }> {
  return entries
    .filter((entry) => !entry.name.startsWith('.'))
    .map((entry) => ({ key: dirKey + entry.name + (entry.isDirectory() ? '/' : ''), entry }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function isMissing(err: unknown): boolean {
  const code = errCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function undefinedWhenMissing(err: unknown): undefined {
  if (isMissing(err)) return undefined;
  throw err;
}
