import { excludeMatcher } from './excludes';

describe('excludeMatcher', () => {
  const excluded = excludeMatcher([
    'node_modules/**',
    '*.log',
    'cache/',
    '/dist',
    'src/gen/*.ts',
    '**/tmp',
  ]);

  it.each([
    ['node_modules', true, true],
    ['node_modules/a/b.js', false, true],
    ['pkg/node_modules', true, false],
    ['debug.log', false, true],
    ['a/b/.hidden.log', false, true],
    ['cache', true, true],
    ['a/cache', true, true],
    ['a/cache', false, false],
    ['dist', true, true],
    ['a/dist', true, false],
    ['src/gen/x.ts', false, true],
    ['src/gen/sub/x.ts', false, false],
    ['x/y/tmp', true, true],
    ['src/app.ts', false, false],
  ])('%s (dir: %s) → %s', (rel, isDir, expected) => {
    expect(excluded(rel, isDir)).toBe(expected);
  });

  it('excludes nothing without patterns', () => {
    expect(excludeMatcher(['', '  '])('anything', false)).toBe(false);
  });
});
