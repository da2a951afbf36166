import { InvalidObjectKey } from '../errors';
import { assertKeyPrefix, assertObjectKey } from './object-key';

describe('object keys', () => {
  it.each(['tenants/acme/objects/ab/abcdef', 'a', 'a/b-c_d.e/F9'])('accepts %s', (key) => {
    expect(() => assertObjectKey(key)).not.toThrow();
  });

  it.each([
    ['', /empty/],
    ['/abs', /starts with "\/"/],
    ['a/../b', /".." segment/],
    ['a/./b', /"\." segment/],
    ['a//b', /empty path segment/],
    ['a/', /empty path segment/],
    ['a/.tmp-1', /not start with "\."/],
    ['a b', /\[A-Za-z0-9\._-\]/],
    ['a\\b', /\[A-Za-z0-9\._-\]/],
    ['ä', /\[A-Za-z0-9\._-\]/],
    ['x'.repeat(1025), /longer than 1024/],
  ])('refuses %j', (key, message) => {
    expect(() => assertObjectKey(key)).toThrow(InvalidObjectKey);
    expect(() => assertObjectKey(key)).toThrow(message);
  });

  it('allows list prefixes that end with "/" or are empty, and nothing else new', () => {
    expect(() => assertKeyPrefix('')).not.toThrow();
    expect(() => assertKeyPrefix('tenants/')).not.toThrow();
    expect(() => assertKeyPrefix('tenants/ac')).not.toThrow();
    expect(() => assertKeyPrefix('../')).toThrow(InvalidObjectKey);
  });
});
