import { WorkspacePathInvalid } from './errors';

/** Tree entries are sorted by the UTF-8 bytes of their names, like git (not UTF-16 order). */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** `dir/name`, or `name` at the root (where `dir` is ''). */
export function joinRel(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/**
 * The segments of a caller's path inside a workspace: '', '.', '/' are the root; leading,
 * trailing and doubled slashes and `.` segments are ignored; `..` is refused rather than
 * resolved, so a path never means something other than what it says.
 */
export function pathSegments(path: string): string[] {
  if (path.includes('\0')) throw new WorkspacePathInvalid(path, 'contains a NUL byte');
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new WorkspacePathInvalid(path, 'contains ".."');
  return segments;
}
