import { useTestS3 } from '@app/testing/services';
import { s3StoreFor } from '@app/checkpoint/spec/s3';
import { openFsBackend } from './spec/fixtures';
import { workspaceSuite } from './spec/workspace-suite';

describe('workspace trees on the filesystem store', () => {
  workspaceSuite(openFsBackend);
});

describe('workspace trees on the S3 protocol (s3rver or S3_ENDPOINT)', () => {
  const s3 = useTestS3({ label: 'workspace' });
  workspaceSuite(async () => {
    const objects = s3StoreFor(s3());
    return { objects, close: async () => objects.close() };
  });
});
