// s3rver 3.x ships no types; this covers only what the test services use.
declare module 's3rver' {
  import type { RequestListener } from 'node:http';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    serviceEndpoint?: string;
  }

  /** A Koa application; callback() is its request handler. */
  class S3rver {
    constructor(options?: S3rverOptions);
    callback(): RequestListener;
  }

  export = S3rver;
}
