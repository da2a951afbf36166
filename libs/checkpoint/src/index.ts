export * from './errors';
export type { ObjectStore, ObjectInfo, ListedObject, PutResult } from './object-store/object-store';
export { assertObjectKey, assertKeyPrefix } from './object-store/object-key';
export { FsObjectStore } from './object-store/fs-object-store';
export { S3ObjectStore, type S3ObjectStoreOptions } from './object-store/s3-object-store';
export { objectStoreFromConfig, s3ClientConfig } from './object-store/from-config';
export { ContentStore, type ContentStoreOptions, type StoredBlob } from './content/content-store';
export { objectKey, refKey, refsPrefix, objectsPrefix, parseKey } from './content/layout';
export {
  chunkContent,
  TRANSCRIPT_CHUNKING,
  SMALL_TRANSCRIPT_CHUNKING,
  type ChunkingOptions,
  type ChunkSpan,
} from './chunking/fastcdc';
export * from './manifest/schema';
export * from './manifest/tree';
export { canonicalJson, canonicalJsonBytes } from './manifest/canonical-json';
export { checkpointIdOf } from './manifest/codec';
export type * from './checkpoint/checkpoint-store';
export {
  ObjectCheckpointStore,
  type CheckpointStoreOptions,
} from './checkpoint/object-checkpoint-store';
export { storeChunked, readChunkList } from './checkpoint/chunked-content';
export { collectGarbage, type GcOptions, type GcReport } from './gc/collect-garbage';
export { createCheckpointStore } from './create-checkpoint-store';
export { mapBounded, mapOrdered } from './concurrency';
