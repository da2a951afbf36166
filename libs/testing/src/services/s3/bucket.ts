import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { testS3ClientConfig } from './client-config';
import type { TestS3Endpoint } from './types';

export async function createBucket(endpoint: TestS3Endpoint, bucket: string): Promise<void> {
  await withClient(endpoint, (client) => client.send(new CreateBucketCommand({ Bucket: bucket })));
}

/** Deletes every object and pending multipart upload, then the bucket (S3 refuses non-empty ones). */
export async function deleteBucket(endpoint: TestS3Endpoint, bucket: string): Promise<void> {
  await withClient(endpoint, async (client) => {
    await deleteAllObjects(client, bucket);
    await abortUploads(client, bucket);
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  });
}

async function deleteAllObjects(client: S3Client, bucket: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length > 0) {
      await client.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
      );
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

async function abortUploads(client: S3Client, bucket: string): Promise<void> {
  const listing = await client
    .send(new ListMultipartUploadsCommand({ Bucket: bucket }))
    .catch((err: unknown) => {
      // s3rver answers NotImplemented; it keeps no uploads that would block DeleteBucket anyway.
      if ((err as Error).name === 'NotImplemented') return { Uploads: [] };
      throw err;
    });
  const { Uploads = [] } = listing;
  for (const upload of Uploads) {
    await client.send(
      new AbortMultipartUploadCommand({
        Bucket: bucket,
        Key: upload.Key,
        UploadId: upload.UploadId,
      }),
    );
  }
}

async function withClient<T>(
  endpoint: TestS3Endpoint,
  fn: (client: S3Client) => Promise<T>,
): Promise<T> {
  const client = new S3Client(testS3ClientConfig(endpoint));
  try {
    return await fn(client);
  } finally {
    client.destroy();
  }
}
