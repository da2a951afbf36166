import type { AppConfig } from '@app/config';
import {
  type CheckpointStoreOptions,
  ObjectCheckpointStore,
} from './checkpoint/object-checkpoint-store';
import { objectStoreFromConfig } from './object-store/from-config';
import type { S3ObjectStoreOptions } from './object-store/s3-object-store';

/** The checkpoint store the configuration asks for: S3 when S3_BUCKET is set, else DATA_DIR. */
export function createCheckpointStore(
  storage: AppConfig['storage'],
  options: CheckpointStoreOptions & { s3?: S3ObjectStoreOptions } = {},
): ObjectCheckpointStore {
  return new ObjectCheckpointStore(objectStoreFromConfig(storage, options.s3), options);
}
