import { startTestS3 } from '@app/testing/services';
import { s3StoreFor } from './spec/s3';
import { describeStoreSuite } from './spec/store-suite';

describeStoreSuite('the S3 protocol', async () => {
  const s3 = await startTestS3({ label: 'checkpoint' });
  const objects = s3StoreFor(s3);
  return {
    objects,
    close: async () => {
      objects.close();
      await s3.close();
    },
  };
});
