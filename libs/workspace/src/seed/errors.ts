import { ClientError } from '@app/contracts';

/**
 * Typed errors of workspace seeding. A `SeedRejected` is the client's fault (a bad path, a
 * refused URL, an oversized archive): its message names the entry, the problem and what to
 * change, and is safe to return as an MCP tool error (URL credentials are never included).
 */

/** Machine-readable cause of a refused seed. */
export type SeedRejectReason =
  | 'invalid_path' // empty, `.`/empty segments, NUL, backslash, over-long name
  | 'absolute_path'
  | 'path_traversal' // a `..` segment
  | 'duplicate_path'
  | 'path_conflict' // a path below something that is a file (or the reverse)
  | 'through_symlink' // a path that would be written through a symlink of the seed
  | 'link_escape' // a symlink whose target is absolute or resolves outside the workspace
  | 'unsupported_entry' // device, fifo, hard link to nothing the archive wrote, …
  | 'too_large'
  | 'too_many_files'
  | 'bad_encoding' // file content that is not valid base64
  | 'bad_archive'
  | 'url_not_allowed'
  | 'url_credentials'
  | 'private_address'
  | 'host_not_found'
  | 'invalid_ref'
  | 'git_failed'
  | 'git_timeout';

export class SeedRejected extends ClientError {
  override readonly name = 'SeedRejected';
  constructor(
    readonly reason: SeedRejectReason,
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(path === undefined ? message : `${quote(path)}: ${message}`, options);
  }
}

/** The directory to seed cannot be used (exists and is not empty, is a file): a caller bug. */
export class SeedTargetInvalid extends Error {
  override readonly name = 'SeedTargetInvalid';
  constructor(
    readonly targetDir: string,
    detail: string,
  ) {
    super(`cannot seed workspace into ${targetDir}: ${detail}`);
  }
}

/** A path as shown in a message: JSON-quoted so control characters stay visible, and bounded. */
export function quote(path: string): string {
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return JSON.stringify(shown);
}
