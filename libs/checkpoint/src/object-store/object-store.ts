/**
 * The only seam between the checkpoint store and a storage system. Keys look like S3 keys
 * (`tenants/acme/objects/ab/abcd…`); every driver maps them to the same layout, so a store can
 * move between S3 and the filesystem by copying files.
 */
export interface ObjectStore {
  /**
   * Writes the whole body. With `ifAbsent`, an existing object is left alone and `created` is
   * false; without it the object is replaced. Either way the write is all-or-nothing.
   */
  put(key: string, body: Buffer, options?: { ifAbsent?: boolean }): Promise<PutResult>;
  /** The object's bytes, or undefined when there is no such object. */
  get(key: string): Promise<Buffer | undefined>;
  /** Size and modification time, or undefined when there is no such object. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in ascending key order (like ListObjectsV2). */
  list(prefix: string, options?: { startAfter?: string }): AsyncIterable<ListedObject>;
  /** Removes the objects; keys that do not exist are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** Releases connections; the store is unusable afterwards. */
  close(): void;
}

export interface PutResult {
  /** False when `ifAbsent` found the object already there (nothing was written). */
  created: boolean;
}

export interface ObjectInfo {
  size: number;
  /** Milliseconds since the epoch (S3 keeps whole seconds). */
  lastModified: number;
}

export interface ListedObject extends ObjectInfo {
  key: string;
}
