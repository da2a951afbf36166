import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { TestS3, TestS3Endpoint } from './types';

/**
 * Client settings for test endpoints. The checksum settings are what s3rver needs: with the SDK
 * default (WHEN_SUPPORTED) a streamed PutObject body is sent aws-chunked with a CRC32 trailer,
 * and s3rver stores the chunk framing as the object's content. Real S3 and MinIO accept both.
 */
export function testS3ClientConfig(endpoint: TestS3Endpoint): S3ClientConfig {
  return {
    endpoint: endpoint.endpoint,
    region: endpoint.region,
    forcePathStyle: endpoint.forcePathStyle,
    credentials: { accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

export function testS3Env(s3: TestS3Endpoint & { bucket: string }): ReturnType<TestS3['env']> {
  return {
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_BUCKET: s3.bucket,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: String(s3.forcePathStyle),
  };
}
