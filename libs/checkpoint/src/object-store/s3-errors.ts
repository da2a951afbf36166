import { ObjectStoreRequestFailed, ObjectStoreUnavailable } from '../errors';

/** The parts of an AWS SDK v3 error we look at; anything else thrown is treated like a network error. */
interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function httpStatusOf(err: unknown): number | undefined {
  return (err as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** No such key. A missing bucket is a configuration problem, not a missing object. */
export function isNotFound(err: unknown): boolean {
  const name = (err as SdkErrorShape | undefined)?.name;
  if (name === 'NoSuchBucket') return false;
  return name === 'NotFound' || name === 'NoSuchKey' || httpStatusOf(err) === 404;
}

/**
 * Turns what the SDK threw (after its own retries) into one of our typed errors: no answer,
 * 5xx or throttling → ObjectStoreUnavailable (the caller may try again later); any other
 * answer → ObjectStoreRequestFailed (configuration or request problem, retrying won't help).
 */
export function classifyS3Error(operation: string, key: string, err: unknown): Error {
  const shape = (err ?? {}) as SdkErrorShape;
  const status = httpStatusOf(err);
  const attempts = shape.$metadata?.attempts;
  const tried = attempts ? `, ${attempts} attempt(s)` : '';
  if (
    status === undefined ||
    status >= 500 ||
    status === 429 ||
    NETWORK_CODES.has(shape.code ?? '')
  ) {
    const what = shape.code ?? shape.name ?? 'no response';
    const detail = status
      ? `HTTP ${status} ${shape.name ?? ''}`.trim()
      : `${what}: ${shape.message ?? ''}`;
    return new ObjectStoreUnavailable(operation, key, `${detail}${tried}`, { cause: err });
  }
  return new ObjectStoreRequestFailed(operation, key, `${shape.name ?? 'error'} (HTTP ${status})`, {
    cause: err,
  });
}
