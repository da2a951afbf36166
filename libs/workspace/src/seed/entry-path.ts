import { SeedRejected } from './errors';

/*
 * Path rules shared by every seed kind. A seed path is relative, `/`-separated, and names
 * something strictly inside the workspace: checked here on the string alone, before anything
 * touches the disk.
 */

const MAX_PATH_BYTES = 4096;
const MAX_NAME_BYTES = 255;

/**
 * The canonical form of an entry path (`a/b`), or `''` for the workspace root itself (allowed
 * only when `allowRoot`, e.g. a `./` directory entry in a tar). A leading `./` and one trailing
 * `/` are dropped; anything else unusual is refused rather than repaired.
 */
export function normalizeEntryPath(raw: string, opts: { allowRoot?: boolean } = {}): string {
  if (raw.includes('\0')) reject('invalid_path', 'contains a NUL byte', raw);
  if (raw.startsWith('/')) {
    reject('absolute_path', 'is absolute; use a path relative to the workspace root', raw);
  }
  if (/^[A-Za-z]:/.test(raw) || raw.includes('\\')) {
    reject('invalid_path', 'contains a backslash or drive letter; use / as the separator', raw);
  }
  let path = raw;
  while (path.startsWith('./')) path = path.slice(2);
  if (path.endsWith('/')) path = path.slice(0, -1);
  if (path === '' || path === '.') {
    if (opts.allowRoot) return '';
    reject('invalid_path', 'does not name a file inside the workspace', raw);
  }
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) {
    reject('invalid_path', `is longer than ${MAX_PATH_BYTES} bytes`, raw);
  }
  for (const segment of path.split('/')) {
    if (segment === '..') {
      reject(
        'path_traversal',
        'contains a ".." segment; paths must stay inside the workspace',
        raw,
      );
    }
    if (segment === '' || segment === '.') {
      reject('invalid_path', 'contains an empty or "." segment; write the path plainly', raw);
    }
    if (Buffer.byteLength(segment) > MAX_NAME_BYTES) {
      reject('invalid_path', `has a name longer than ${MAX_NAME_BYTES} bytes`, raw);
    }
  }
  return path;
}

/**
 * Refuses a symlink whose target is absolute or, read as a path relative to the link's own
 * directory, leaves the workspace. Chains through other symlinks are checked on disk later
 * (tree-scan), once every link exists.
 */
export function checkLinkTarget(linkPath: string, target: string): void {
  if (target === '') reject('invalid_path', 'is a symlink with an empty target', linkPath);
  if (target.includes('\0'))
    reject('invalid_path', 'has a symlink target with a NUL byte', linkPath);
  if (target.startsWith('/')) {
    reject(
      'link_escape',
      `is a symlink to the absolute path ${JSON.stringify(target)}; only relative links that stay inside the workspace are allowed`,
      linkPath,
    );
  }
  if (Buffer.byteLength(target) > MAX_PATH_BYTES) {
    reject('invalid_path', `has a symlink target longer than ${MAX_PATH_BYTES} bytes`, linkPath);
  }
  if (lexicalDepthEscapes(linkPath.split('/').slice(0, -1), target.split('/'))) {
    reject(
      'link_escape',
      `is a symlink to ${JSON.stringify(target)}, which points outside the workspace`,
      linkPath,
    );
  }
}

function lexicalDepthEscapes(base: string[], segments: string[]): boolean {
  let depth = base.length;
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (depth === 0) return true;
      depth--;
    } else depth++;
  }
  return false;
}

function reject(reason: SeedRejected['reason'], message: string, path: string): never {
  throw new SeedRejected(reason, message, path);
}
