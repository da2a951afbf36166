import { ClientError } from '@app/contracts';

/**
 * Typed errors of the checkpoint store. Every message says what failed and what it means for
 * the caller, so it can be shown to an operator (or an MCP client) as is.
 */

const short = (hash: string): string => `${hash.slice(0, 12)}…`;

/** A key that would escape the store's namespace or that some backend cannot represent. */
export class InvalidObjectKey extends Error {
  override readonly name = 'InvalidObjectKey';
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`Invalid object key ${JSON.stringify(key.slice(0, 200))}: ${reason}`);
  }
}

/** A tenant, session id or checkpoint id that cannot name anything in the store. */
export class InvalidCheckpointArgument extends Error {
  override readonly name = 'InvalidCheckpointArgument';
  constructor(what: string, value: string, expected: string) {
    super(`Invalid ${what} ${JSON.stringify(value.slice(0, 100))}: expected ${expected}`);
  }
}

/** The object store did not answer (network, 5xx, throttling) even after the retries. */
export class ObjectStoreUnavailable extends Error {
  override readonly name = 'ObjectStoreUnavailable';
  constructor(
    readonly operation: string,
    readonly key: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `ObjectStoreUnavailable: ${operation} ${key} failed after retries (${detail}); ` +
        `check that the object store (S3_ENDPOINT) is reachable, then try again`,
      options,
    );
  }
}

/** The object store answered with a refusal that retrying will not fix (auth, bucket, request). */
export class ObjectStoreRequestFailed extends Error {
  override readonly name = 'ObjectStoreRequestFailed';
  constructor(
    readonly operation: string,
    readonly key: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(
      `ObjectStoreRequestFailed: ${operation} ${key} was refused with ${code}; ` +
        `check the bucket name, credentials and permissions (S3_* settings)`,
      options,
    );
  }
}

/** A content object that a manifest references is not in the store. */
export class ObjectMissing extends Error {
  override readonly name = 'ObjectMissing';
  constructor(
    readonly hash: string,
    readonly tenant: string,
  ) {
    super(
      `ObjectMissing: object ${short(hash)} of tenant ${tenant} is not in the store; ` +
        `the checkpoint that references it cannot be restored`,
    );
  }
}

/** A content object whose bytes do not hash to its name (bit rot, truncation, tampering). */
export class ObjectCorrupted extends Error {
  override readonly name = 'ObjectCorrupted';
  constructor(
    readonly hash: string,
    readonly tenant: string,
    detail: string,
  ) {
    super(
      `CheckpointCorrupted: object ${short(hash)} of tenant ${tenant} failed its hash check ` +
        `(${detail}); the checkpoint cannot be restored and nothing was written`,
    );
  }
}

/** No checkpoint with this id for this tenant (also what another tenant's id answers). */
export class CheckpointNotFound extends ClientError {
  override readonly name = 'CheckpointNotFound';
  constructor(
    readonly tenant: string,
    readonly checkpointId: string,
  ) {
    super(`checkpoint ${checkpointId} not found`);
  }
}

/** A stored manifest (or chunk page, or tree) that this version cannot read or fully understand. */
export class ManifestUnreadable extends Error {
  override readonly name = 'ManifestUnreadable';
  constructor(
    readonly hash: string,
    what: string,
    detail: string,
  ) {
    super(
      `ManifestUnreadable: ${what} ${short(hash)} is not a valid ${what} for this version ` +
        `(${detail}); upgrade the service or restore from another checkpoint`,
    );
  }
}

/** A file to restore does not match what the manifest says (size or whole-file hash). */
export class RestoreMismatch extends Error {
  override readonly name = 'RestoreMismatch';
  constructor(path: string, detail: string) {
    super(`RestoreMismatch: ${path} was not restored (${detail}); the target was left untouched`);
  }
}
