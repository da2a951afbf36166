import { ClientError } from '@app/contracts';

/**
 * Typed errors of workspace snapshots, restores and reads. Each message says what failed and
 * what to do, so it can be shown to an operator or an MCP client as is. Store-level failures
 * (ObjectMissing, ObjectCorrupted, ManifestUnreadable, RestoreMismatch) come from
 * @app/checkpoint unchanged.
 */

const quoted = (path: string): string => JSON.stringify(path.slice(0, 300));

/** A path that is not in the snapshot (or crosses a file or symlink on the way). */
export class WorkspacePathNotFound extends ClientError {
  override readonly name = 'WorkspacePathNotFound';
  constructor(
    readonly path: string,
    detail = 'no such file or directory',
  ) {
    super(
      `WorkspacePathNotFound: ${quoted(path)} is not in this workspace snapshot (${detail}); ` +
        `list the workspace to see the paths it holds`,
    );
  }
}

/** A path argument that cannot name anything inside a workspace (`..`, NUL). */
export class WorkspacePathInvalid extends ClientError {
  override readonly name = 'WorkspacePathInvalid';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(
      `WorkspacePathInvalid: ${quoted(path)} ${reason}; use a path relative to the workspace root`,
    );
  }
}

/** A read of something that has no bytes to read (a directory). */
export class WorkspaceNotAFile extends ClientError {
  override readonly name = 'WorkspaceNotAFile';
  constructor(readonly path: string) {
    super(`WorkspaceNotAFile: ${quoted(path)} is a directory; list it instead of reading it`);
  }
}

/** The directory to snapshot is missing or not a directory. */
export class WorkspaceRootInvalid extends Error {
  override readonly name = 'WorkspaceRootInvalid';
  constructor(
    readonly root: string,
    detail: string,
  ) {
    super(
      `WorkspaceRootInvalid: cannot snapshot ${quoted(root)} (${detail}); ` +
        `the session's working directory must exist and be a directory`,
    );
  }
}

/**
 * A stored tree that restore will not write: a symlink that leads out of the workspace, a name
 * this filesystem cannot hold, a tree larger than the restore allows. Nothing was written.
 */
export class WorkspaceRestoreRefused extends Error {
  override readonly name = 'WorkspaceRestoreRefused';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      `WorkspaceRestoreRefused: ${quoted(path)} ${reason}; the workspace was not restored and ` +
        `the target was left untouched (restore another checkpoint, or start without one)`,
    );
  }
}
