import { checkLinkTarget, normalizeEntryPath } from './entry-path';
import { SeedRejected } from './errors';

function reasonOf(work: () => unknown): string | undefined {
  try {
    work();
    return undefined;
  } catch (err) {
    return err instanceof SeedRejected ? err.reason : 'not-a-seed-error';
  }
}

describe('normalizeEntryPath', () => {
  it.each([
    ['a.txt', 'a.txt'],
    ['./a/b.txt', 'a/b.txt'],
    ['././a', 'a'],
    ['dir/', 'dir'],
    ['.hidden/x', '.hidden/x'],
    ['..a/b..', '..a/b..'],
  ])('accepts %j as %j', (raw, expected) => {
    expect(normalizeEntryPath(raw)).toBe(expected);
  });

  it.each([
    ['/etc/passwd', 'absolute_path'],
    ['../x', 'path_traversal'],
    ['a/../../x', 'path_traversal'],
    ['a/..', 'path_traversal'],
    ['a//b', 'invalid_path'],
    ['a/./b', 'invalid_path'],
    ['.', 'invalid_path'],
    ['./', 'invalid_path'],
    ['', 'invalid_path'],
    ['a\0b', 'invalid_path'],
    ['a\\..\\b', 'invalid_path'],
    ['C:/x', 'invalid_path'],
    [`${'n'.repeat(256)}`, 'invalid_path'],
    [`${'a/'.repeat(2100)}x`, 'invalid_path'],
  ])('refuses %j (%s)', (raw, reason) => {
    expect(reasonOf(() => normalizeEntryPath(raw))).toBe(reason);
  });

  it('allows the root itself only when asked (a "./" tar entry)', () => {
    expect(normalizeEntryPath('./', { allowRoot: true })).toBe('');
  });

  it('names the entry in the message', () => {
    expect(() => normalizeEntryPath('../secret')).toThrow('"../secret": contains a ".." segment');
  });
});

describe('checkLinkTarget', () => {
  it.each([
    ['l', 'a/b'],
    ['d/l', '../x'],
    ['d/e/l', '../../x'],
    ['l', './x/../y'],
    ['l', 'missing/but/inside'],
  ])('accepts %s -> %s', (link, target) => {
    expect(reasonOf(() => checkLinkTarget(link, target))).toBeUndefined();
  });

  it.each([
    ['l', '/etc', 'link_escape'],
    ['l', '..', 'link_escape'],
    ['l', '../../etc', 'link_escape'],
    ['d/l', '../../x', 'link_escape'],
    ['l', 'a/../../x', 'link_escape'],
    ['l', '', 'invalid_path'],
    ['l', 'a\0', 'invalid_path'],
  ])('refuses %s -> %s (%s)', (link, target, reason) => {
    expect(reasonOf(() => checkLinkTarget(link, target))).toBe(reason);
  });
});
