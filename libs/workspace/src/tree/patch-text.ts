import { formatPatch, type StructuredPatch, type StructuredPatchHunk, structuredPatch } from 'diff';
import type { TreeEntry } from '@app/checkpoint';
import type { TreeChange } from './tree-changes';
import type { FileEntry } from './tree-blob';
import { asText } from './text';

export interface RenderedChange {
  text: string;
  binary?: boolean;
  tooLarge?: boolean;
}

/** One side's content: text to diff, or why it is not shown. */
type Side = { text: string } | { binary: true } | { tooLarge: number } | undefined;

export type ReadFile = (entry: FileEntry, path: string) => Promise<Buffer>;

/** git's context size (jsdiff defaults to 4). */
const CONTEXT_LINES = 3;
/**
 * Myers' diff (jsdiff) slows down with the square of the edits: two unrelated 3,000-line files
 * take ~0.3 s at 1,000 edits, ~1 s at 2,000. Past this many, the change is shown as one hunk
 * that replaces every line: still a correct patch, and deterministic, unlike a timeout.
 */
const MAX_EDIT_LENGTH = 1000;
const NO_NEWLINE = '\\ No newline at end of file';
/** What git reads to tell binary from text. */

/**
 * A change as git prints it (`diff --git a/<path> b/<path>`, mode lines, unified hunks via
 * jsdiff). A type change is a deletion then an addition, as in git; directories have no
 * content, so only their mode changes print anything.
 */
export async function renderChange(
  change: TreeChange,
  read: ReadFile,
  maxFileBytes: number,
): Promise<RenderedChange> {
  const { path, before, after } = change;
  if (change.change === 'type_changed') {
    const parts = await Promise.all([
      before?.type === 'dir'
        ? undefined
        : renderChange({ path, change: 'deleted', before }, read, maxFileBytes),
      after?.type === 'dir'
        ? undefined
        : renderChange({ path, change: 'added', after }, read, maxFileBytes),
    ]);
    const shown = parts.filter((p): p is RenderedChange => p !== undefined);
    return {
      text: shown.map((p) => p.text).join(''),
      binary: shown.some((p) => p.binary) || undefined,
      tooLarge: shown.some((p) => p.tooLarge) || undefined,
    };
  }
  if (before?.type === 'dir' || after?.type === 'dir') {
    if (change.change !== 'mode_changed' || !before || !after) return { text: '' };
    return { text: formatPatch(gitPatch(path, before, after, [])) };
  }
  const [old, next] = await Promise.all([
    sideOf(before, path, read, maxFileBytes),
    sideOf(after, path, read, maxFileBytes),
  ]);
  const withText = (s: Side): s is { text: string } | undefined => s === undefined || 'text' in s;
  if (withText(old) && withText(next)) {
    const hunks = textHunks(old?.text ?? '', next?.text ?? '');
    return { text: formatPatch(gitPatch(path, before, after, hunks)) };
  }
  const header = formatPatch(gitPatch(path, before, after, []));
  const [a, b] = [before ? `a/${path}` : '/dev/null', after ? `b/${path}` : '/dev/null'];
  const sizes = [old, next].flatMap((s) => (s && 'tooLarge' in s ? [s.tooLarge] : []));
  if (sizes.length > 0) {
    const shown = `${Math.max(...sizes)} bytes, over maxFileBytes ${maxFileBytes}`;
    return { text: `${header}Files ${a} and ${b} differ (not shown: ${shown})\n`, tooLarge: true };
  }
  return { text: `${header}Binary files ${a} and ${b} differ\n`, binary: true };
}

function gitPatch(
  path: string,
  before: TreeEntry | undefined,
  after: TreeEntry | undefined,
  hunks: StructuredPatch['hunks'],
): StructuredPatch {
  const [oldMode, newMode] = [before && gitMode(before), after && gitMode(after)];
  return {
    oldFileName: before ? `a/${path}` : '/dev/null',
    newFileName: after ? `b/${path}` : '/dev/null',
    oldHeader: undefined,
    newHeader: undefined,
    hunks,
    isGit: true,
    isCreate: !before,
    isDelete: !after,
    // Both set only when they differ: formatPatch then prints `old mode`/`new mode`.
    ...(oldMode !== newMode && { oldMode, newMode }),
    ...(!before && { newMode }),
    ...(!after && { oldMode }),
  };
}

/** git's mode notation: type bits then permission bits, in octal (100644, 120000, 040755). */
function gitMode(entry: TreeEntry): string {
  const type = { file: 0o100000, symlink: 0o120000, dir: 0o040000 }[entry.type];
  const mode = entry.type === 'symlink' ? type : type | entry.mode;
  return mode.toString(8).padStart(6, '0');
}

async function sideOf(
  entry: TreeEntry | undefined,
  path: string,
  read: ReadFile,
  maxFileBytes: number,
): Promise<Side> {
  if (!entry || entry.type === 'dir') return undefined;
  if (entry.type === 'symlink') return { text: entry.target };
  if (entry.size > maxFileBytes) return { tooLarge: entry.size };
  const bytes = await read(entry, path);
  const text = asText(bytes);
  return text === undefined ? { binary: true } : { text };
}

function textHunks(oldText: string, newText: string): StructuredPatchHunk[] {
  if (oldText === newText) return [];
  if (oldText !== '' && newText !== '') {
    const patch = structuredPatch('', '', oldText, newText, undefined, undefined, {
      context: CONTEXT_LINES,
      maxEditLength: MAX_EDIT_LENGTH,
    });
    if (patch) return patch.hunks;
  }
  return [replaceEveryLine(oldText, newText)];
}

/** One hunk: every old line removed, every new one added (what a diff from or to empty is). */
function replaceEveryLine(oldText: string, newText: string): StructuredPatchHunk {
  const [a, b] = [linesOf(oldText), linesOf(newText)];
  return {
    oldStart: 1,
    oldLines: a.length,
    newStart: 1,
    newLines: b.length,
    lines: [...marked('-', oldText, a), ...marked('+', newText, b)],
  };
}

function linesOf(text: string): string[] {
  if (text === '') return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

function marked(sign: '-' | '+', text: string, lines: string[]): string[] {
  const out = lines.map((line) => sign + line);
  return text === '' || text.endsWith('\n') ? out : [...out, NO_NEWLINE];
}
