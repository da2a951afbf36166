import { InvalidObjectKey } from '../errors';

const MAX_KEY_LENGTH = 1024;
/**
 * Conservative on purpose: these characters mean the same thing on every filesystem and in an
 * S3 key, need no URL escaping, and sort the same byte-wise and in JS string order.
 */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * Throws InvalidObjectKey unless `key` is a relative, `/`-separated path of safe segments.
 * Segments may not start with `.` (so no `.`/`..` and no clash with the fs driver's temp files).
 */
export function assertObjectKey(key: string): void {
  if (key.length === 0) throw new InvalidObjectKey(key, 'it is empty');
  if (key.length > MAX_KEY_LENGTH)
    throw new InvalidObjectKey(key, `it is longer than ${MAX_KEY_LENGTH} characters`);
  if (key.startsWith('/')) throw new InvalidObjectKey(key, 'it starts with "/"');
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidObjectKey(key, 'it has an empty path segment');
    if (segment === '.' || segment === '..')
      throw new InvalidObjectKey(key, `it has a "${segment}" segment`);
    if (!SEGMENT.test(segment))
      throw new InvalidObjectKey(
        key,
        `segment ${JSON.stringify(segment)} must be [A-Za-z0-9._-] and not start with "."`,
      );
  }
}

/**
 * A list prefix is a key or the start of one: the same rules, except that it may be empty or
 * end with `/` (and its last segment may be partial).
 */
export function assertKeyPrefix(prefix: string): void {
  if (prefix === '') return;
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  assertObjectKey(trimmed);
}
