import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { AppConfig } from '@app/config';
import { join } from 'node:path';
import { FsObjectStore } from './fs-object-store';
import type { ObjectStore } from './object-store';
import { S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store';

type StorageConfig = AppConfig['storage'];

/**
 * S3 client settings from S3_*. Checksums only where an operation requires them: every read is
 * verified against its SHA-256 name anyway, and the SDK's default (aws-chunked uploads with a
 * CRC trailer) is not understood by every S3-compatible server (s3rver stores the framing).
 */
export function s3ClientConfig(s3: NonNullable<StorageConfig['s3']>): S3ClientConfig {
  return {
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials:
      s3.accessKeyId && s3.secretAccessKey
        ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }
        : undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/** S3 when S3_BUCKET is set, else the same layout under `<DATA_DIR>/checkpoints`. */
export function objectStoreFromConfig(
  storage: StorageConfig,
  s3Options?: S3ObjectStoreOptions,
): ObjectStore {
  if (storage.s3)
    return new S3ObjectStore(s3ClientConfig(storage.s3), storage.s3.bucket, s3Options);
  return new FsObjectStore(join(storage.dataDir, 'checkpoints'));
}
