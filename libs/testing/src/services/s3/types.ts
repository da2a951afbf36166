import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { ServiceSource, SourceOptions } from '../source';

export interface TestS3Options extends SourceOptions {
  /** Shows up in the bucket name, to tell suites apart on a shared endpoint. */
  label?: string;
  /** How long to wait for the endpoint (default 10 s; containers may also pull an image). */
  startTimeoutMs?: number;
  /** Container image when Docker is used (default minio/minio). */
  image?: string;
}

/** Where and how to reach the endpoint; enough to build an S3Client. */
export interface TestS3Endpoint {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly forcePathStyle: boolean;
}

/** An S3 endpoint plus a bucket owned by one test suite. */
export interface TestS3 extends TestS3Endpoint {
  readonly source: ServiceSource;
  /** Created empty; emptied and deleted by close() on a shared endpoint. */
  readonly bucket: string;
  /** False for a shared endpoint from S3_ENDPOINT: stop/start throw TestServiceUnsupported. */
  readonly canStop: boolean;
  /** Local s3rver only: its temp dir (one subdir per bucket), removed by close(). */
  readonly dataDir?: string;
  /**
   * The endpoint goes away: new connections are refused (ECONNREFUSED) and open ones are cut, so a
   * client's next request on a pooled keep-alive socket may fail with "socket hang up" instead.
   */
  stop(): Promise<void>;
  /** Back on the same port with the same data. */
  start(): Promise<void>;
  /** S3Client settings that work against every source, s3rver included (see testS3ClientConfig). */
  clientConfig(): S3ClientConfig;
  /** Variables that point libs/config's loadConfig() at this endpoint and bucket. */
  env(): Record<
    | 'S3_ENDPOINT'
    | 'S3_REGION'
    | 'S3_BUCKET'
    | 'S3_ACCESS_KEY_ID'
    | 'S3_SECRET_ACCESS_KEY'
    | 'S3_FORCE_PATH_STYLE',
    string
  >;
  /** Tears everything down (server, container, or this bucket). Idempotent. */
  close(): Promise<void>;
}
