import { randomBytes } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ContentStore, FsObjectStore, type ObjectStore, type TreeEntry } from '@app/checkpoint';
import { encodeTree } from '../tree-blob';

/** A backend under test: an object store with its own empty namespace. */
export interface Backend {
  objects: ObjectStore;
  /** Set for the filesystem store, to reach (and damage) object files. */
  fsRoot?: string;
  close(): Promise<void>;
}

export async function openFsBackend(): Promise<Backend> {
  const root = await mkdtemp(join(tmpdir(), 'ws-objects-'));
  return {
    objects: new FsObjectStore(root),
    fsRoot: root,
    close: () => rm(root, { recursive: true, force: true }),
  };
}

export const uniqueTenant = (): string => `t-${randomBytes(4).toString('hex')}`;

/** Counts reads, to show what a reader or diff did not fetch. */
export class CountingContentStore extends ContentStore {
  readonly reads: string[] = [];

  override getBlob(hash: string): Promise<Buffer> {
    this.reads.push(hash);
    return super.getBlob(hash);
  }
}

export async function tempDir(prefix = 'ws-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** What a test writes: file content (with a mode), a symlink, or an empty directory. */
export type Spec =
  string | Buffer | { content: string | Buffer; mode: number } | { link: string } | { dir: number };

/** Writes `files` under `root`; every mtime is set an hour back, as for files of a checkout. */
export async function writeWorkspace(root: string, files: Record<string, Spec>): Promise<void> {
  const past = new Date(Date.now() - 3600_000);
  for (const [rel, spec] of Object.entries(files)) {
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    if (typeof spec === 'string' || Buffer.isBuffer(spec)) {
      await writeFile(path, spec);
      await utimes(path, past, past);
    } else if ('link' in spec) {
      await symlink(spec.link, path);
    } else if ('dir' in spec) {
      await mkdir(path, { recursive: true });
      await chmod(path, spec.dir);
    } else {
      await writeFile(path, spec.content);
      await chmod(path, spec.mode);
      await utimes(path, past, past);
    }
  }
}

export type Observed =
  | { type: 'file'; mode: number; content: string }
  | { type: 'dir'; mode: number }
  | { type: 'symlink'; target: string };

/** Everything under `root` that a restore must reproduce (file content as a hash-free hex). */
export async function observe(root: string, rel = ''): Promise<Record<string, Observed>> {
  const out: Record<string, Observed> = {};
  for (const name of (await readdir(join(root, rel))).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    const abs = join(root, path);
    const info = await lstat(abs);
    if (info.isSymbolicLink()) out[path] = { type: 'symlink', target: await readlink(abs) };
    else if (info.isDirectory()) {
      out[path] = { type: 'dir', mode: info.mode & 0o7777 };
      Object.assign(out, await observe(root, path));
    } else {
      out[path] = {
        type: 'file',
        mode: info.mode & 0o7777,
        content: (await readFile(abs)).toString('base64'),
      };
    }
  }
  return out;
}

/** Compressible but not trivially so: words from a small vocabulary, deterministic per seed. */
export function textBytes(size: number, seed = 1): Buffer {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'tree', 'blob', 'chunk', 'page', 'store', '\n'];
  const parts: string[] = [];
  let length = 0;
  let state = seed;
  while (length < size) {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    const word = words[(state >>> 16) % words.length];
    parts.push(word, ' ');
    length += word.length + 1;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

/** Stores a hand-made tree blob (entries as given: unsorted, duplicated, hostile). */
export async function storeTree(content: ContentStore, entries: TreeEntry[]): Promise<string> {
  return (await content.putBlob(encodeTree(entries).blob)).hash;
}

/** Stores `text` as a small-file blob and returns a file entry for it. */
export async function fileEntry(
  content: ContentStore,
  name: string,
  text: string,
  mode = 0o644,
): Promise<TreeEntry> {
  const { hash } = await content.putBlob(Buffer.from(text));
  return { name, type: 'file', mode, size: Buffer.byteLength(text), hash };
}
