import { mapOrdered } from '@app/checkpoint';
import { renderChange, type ReadFile } from './patch-text';
import { type ChangeKind, type TreeChange, treeChanges } from './tree-changes';
import type { TreeLoader } from './tree-loader';

export interface DiffOptions {
  /** Cap on the diff text (UTF-8 bytes); past it `truncated` is set. Default 1 MiB. */
  maxBytes?: number;
  /** Files larger than this are listed, not diffed. Default 1 MiB. */
  maxFileBytes?: number;
  /** Cap on the changed paths listed; past it `truncated` is set. Default 10,000. */
  maxFiles?: number;
}

export interface DiffFile {
  path: string;
  change: ChangeKind;
  /** Binary on either side: listed, not shown. */
  binary?: boolean;
  /** Over maxFileBytes on either side: listed, not shown. */
  tooLarge?: boolean;
}

export interface WorkspaceDiff {
  diff: string;
  files: DiffFile[];
  truncated: boolean;
}

const MiB = 1024 * 1024;
const DEFAULTS = { maxBytes: MiB, maxFileBytes: MiB, maxFiles: 10_000 };
/** Files whose contents are fetched ahead of the one being rendered. */
const READ_AHEAD = 8;

/**
 * A git-style diff between two trees. Changed paths are found from the trees alone (identical
 * subtrees skipped by hash); only changed files' contents are read, a few ahead of the one
 * being rendered, and none once the text is full.
 */
export async function diffTrees(
  loader: TreeLoader,
  read: ReadFile,
  from: string | undefined,
  to: string,
  options: DiffOptions = {},
): Promise<WorkspaceDiff> {
  const { maxBytes, maxFileBytes, maxFiles } = { ...DEFAULTS, ...withoutUndefined(options) };
  const changes: TreeChange[] = [];
  let truncated = false;
  for await (const change of treeChanges(loader, from, to)) {
    if (changes.length >= maxFiles) {
      truncated = true;
      break;
    }
    changes.push(change);
  }
  // Size alone says a file is too large to show, so that is known even past a truncation.
  const files: DiffFile[] = changes.map(({ path, change, before, after }) => {
    const tooLarge = [before, after].some((e) => e?.type === 'file' && e.size > maxFileBytes);
    return tooLarge ? { path, change, tooLarge } : { path, change };
  });
  let text = '';
  let textBytes = 0;
  let index = 0;
  const rendered = mapOrdered(changes, READ_AHEAD, (c) => renderChange(c, read, maxFileBytes));
  for await (const { text: part, binary, tooLarge } of rendered) {
    const file = files[index++];
    if (binary) file.binary = true;
    if (tooLarge) file.tooLarge = true;
    const bytes = Buffer.byteLength(part);
    if (textBytes + bytes > maxBytes) {
      truncated = true;
      break;
    }
    text += part;
    textBytes += bytes;
  }
  return { diff: text, files, truncated };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
