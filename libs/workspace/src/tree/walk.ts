import { lstatSync, type Stats } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { join } from 'node:path';
import { mapBounded } from '@app/checkpoint';
import type { ExcludeMatcher } from './excludes';
import { compareNames, joinRel } from './paths';
import type { SkipReport } from './skip-report';

export interface WalkedFile {
  kind: 'file';
  name: string;
  rel: string;
  stats: Stats;
}
export interface WalkedLink {
  kind: 'symlink';
  name: string;
  rel: string;
  mode: number;
  target: string;
}
export interface WalkedDir {
  kind: 'dir';
  name: string;
  rel: string;
  mode: number;
  children: WalkedNode[];
  /** Could not be listed: left out of the tree rather than stored as an empty directory. */
  unreadable?: boolean;
}
export type WalkedNode = WalkedFile | WalkedLink | WalkedDir;

interface Context {
  root: string;
  exclude: ExcludeMatcher;
  concurrency: number;
  skipped: SkipReport;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Lists `root` with lstat (symlinks are never followed), level by level: a level's readdir and
 * readlink calls run `concurrency` at a time, its lstat calls inline (see lstatAll). Children
 * come out sorted by name bytes. Excluded, special and unreadable entries are left out and
 * reported.
 */
export async function walkWorkspace(root: string, ctx: Omit<Context, 'root'>): Promise<WalkedDir> {
  const top: WalkedDir = { kind: 'dir', name: '', rel: '', mode: 0, children: [] };
  const context = { ...ctx, root };
  let level = [top];
  while (level.length > 0) {
    const listings = await mapBounded(level, ctx.concurrency, (dir) => listNames(context, dir));
    const items = level.flatMap((dir, i) => listings[i].map((name) => ({ dir, name })));
    const stats = await lstatAll(items.map(({ dir, name }) => join(root, dir.rel, name)));
    const nodes = await mapBounded(items, ctx.concurrency, ({ dir, name }, i) =>
      visit(context, joinRel(dir.rel, name), name, stats[i]),
    );
    items.forEach(({ dir }, i) => {
      const node = nodes[i];
      if (node) dir.children.push(node);
    });
    level.forEach((dir) => dir.children.sort((a, b) => compareNames(a.name, b.name)));
    level = nodes.filter((n): n is WalkedDir => n?.kind === 'dir');
  }
  return top;
}

/** Names as UTF-8 strings; a name that is not valid UTF-8 cannot be a tree entry name. */
async function listNames(ctx: Context, dir: WalkedDir): Promise<string[]> {
  let raw: Buffer[];
  try {
    raw = await readdir(join(ctx.root, dir.rel), { encoding: 'buffer' });
  } catch (err) {
    dir.unreadable = true;
    ctx.skipped.add(dir.rel, 'unreadable', `cannot list: ${codeOf(err)}`);
    return [];
  }
  const names: string[] = [];
  for (const bytes of raw) {
    try {
      names.push(utf8.decode(bytes));
    } catch {
      ctx.skipped.add(joinRel(dir.rel, bytes.toString('utf8')), 'unreadable', 'name is not UTF-8');
    }
  }
  return names;
}

/** Entries are lstat'ed in slices of this many, the event loop getting a turn in between. */
const LSTAT_SLICE = 256;

/**
 * lstat is a few microseconds of kernel work; through the thread pool each call also pays a
 * round trip that costs several times more on a busy worker (1,100 lstats: ~5 ms inline,
 * ~40 ms as promises on a loaded 2-core machine), and a snapshot after a turn is mostly
 * lstat. So they run inline, in slices that keep the event loop responsive (~1 ms each).
 * Workspaces are on the worker's local disk, where lstat does not block for long.
 */
async function lstatAll(paths: readonly string[]): Promise<Array<Stats | Error>> {
  const out: Array<Stats | Error> = [];
  for (let i = 0; i < paths.length; i++) {
    if (i > 0 && i % LSTAT_SLICE === 0) await nextTurn();
    try {
      out.push(lstatSync(paths[i]));
    } catch (err) {
      out.push(err instanceof Error ? err : new Error(String(err)));
    }
  }
  return out;
}

async function visit(
  ctx: Context,
  rel: string,
  name: string,
  stats: Stats | Error,
): Promise<WalkedNode | undefined> {
  if (stats instanceof Error) {
    ctx.skipped.add(rel, 'unreadable', codeOf(stats) === 'ENOENT' ? 'vanished' : codeOf(stats));
    return undefined;
  }
  if (ctx.exclude(rel, stats.isDirectory())) {
    ctx.skipped.add(rel, 'excluded');
    return undefined;
  }
  const mode = stats.mode & 0o7777;
  if (stats.isFile()) return { kind: 'file', name, rel, stats };
  if (stats.isDirectory()) return { kind: 'dir', name, rel, mode, children: [] };
  if (stats.isSymbolicLink()) return visitLink(ctx, rel, name, mode);
  ctx.skipped.add(rel, 'special', specialKind(stats));
  return undefined;
}

async function visitLink(
  ctx: Context,
  rel: string,
  name: string,
  mode: number,
): Promise<WalkedLink | undefined> {
  try {
    const target = utf8.decode(await readlink(join(ctx.root, rel), { encoding: 'buffer' }));
    return { kind: 'symlink', name, rel, mode, target };
  } catch (err) {
    const detail = err instanceof TypeError ? 'link target is not UTF-8' : codeOf(err);
    ctx.skipped.add(rel, 'unreadable', detail);
    return undefined;
  }
}

function specialKind(stats: Stats): string {
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  return 'unknown file type';
}

export function codeOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (err instanceof Error ? err.message : String(err));
}
