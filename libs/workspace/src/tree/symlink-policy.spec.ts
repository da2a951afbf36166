import { WorkspaceRestoreRefused } from './errors';
import { checkSymlinks } from './symlink-policy';

const links = (pairs: Record<string, string>) =>
  Object.entries(pairs).map(([rel, target]) => ({ rel, target }));

describe('checkSymlinks', () => {
  it.each([
    ['a sibling', { l: 'file' }],
    ['a file in a subdirectory', { l: 'a/b/c.txt' }],
    ['up and back down', { 'a/b/l': '../../x/y' }],
    ['the root itself', { 'a/l': '..' }],
    ['a dangling path', { l: 'not/there' }],
    ['a chain that stays inside', { 'a/b/up': '..', l: 'a/b/up/c' }],
    ['a loop (broken, not unsafe)', { x: 'y', y: 'x' }],
    ['dots and slashes', { 'a/l': './/b/../c/' }],
  ])('allows a link to %s', (_, pairs) => {
    expect(() => checkSymlinks(links(pairs))).not.toThrow();
  });

  it.each([
    ['an absolute path', { l: '/etc/passwd' }, /absolute path \/etc\/passwd/],
    ['the parent of the root', { 'a/l': '../..' }, /outside the workspace/],
    ['a climb hidden in the middle', { l: 'a/../../x' }, /outside the workspace/],
    [
      'a climb through another link',
      { 'p/q/up': '../..', esc: 'p/q/up/..' },
      /through other links/,
    ],
    [
      'a link that is itself fine but leads to an escaping one',
      { 'p/out': '../..', l: 'p/out' },
      /outside/,
    ],
    ['a NUL byte', { l: 'a\0b' }, /NUL/],
  ])('refuses a link to %s', (_, pairs, message) => {
    expect(() => checkSymlinks(links(pairs))).toThrow(WorkspaceRestoreRefused);
    expect(() => checkSymlinks(links(pairs))).toThrow(message);
  });
});
