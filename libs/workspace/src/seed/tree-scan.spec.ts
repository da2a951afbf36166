import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectRejected } from './spec/fixtures';
import { scanTree } from './tree-scan';

describe('scanTree', () => {
  let root: string;
  beforeEach(async () => (root = await mkdtemp(join(tmpdir(), 'seed-scan-'))));
  afterEach(() => rm(root, { recursive: true, force: true }));
  const limits = { maxBytes: 1000, maxFiles: 10 };

  it('counts files, symlinks and bytes without following links', async () => {
    await mkdir(join(root, 'a/b'), { recursive: true });
    await writeFile(join(root, 'a/b/f'), 'hello');
    await symlink('b/f', join(root, 'a/link'));
    await symlink('a', join(root, 'loop'));
    await symlink('missing/x', join(root, 'dangling'));
    expect(await scanTree(root, limits, 'the tree')).toEqual({ files: 4, bytes: 5 });
  });

  it.each([
    ['an absolute link', [['l', '/etc']]],
    ['a link out of the root', [['l', '../x']]],
    [
      'a chain through a link to the root',
      [
        ['d', '.'],
        ['l', 'd/..'],
      ],
    ],
    [
      'a chain through a nested link',
      [
        ['a', 'x/y'],
        ['m', 'a/../../..'],
      ],
    ],
  ])('refuses %s', async (_what, links) => {
    await mkdir(join(root, 'x/y'), { recursive: true });
    for (const [path, target] of links) await symlink(target, join(root, path));
    await expectRejected(scanTree(root, limits, 'the tree'), 'link_escape');
  });

  it('lets countOnly skip link checks (the watch during a clone)', async () => {
    await symlink('/etc', join(root, 'l'));
    await expect(scanTree(root, limits, 'the tree', { countOnly: true })).resolves.toEqual({
      files: 1,
      bytes: 0,
    });
  });

  it('enforces the limits', async () => {
    await writeFile(join(root, 'big'), 'x'.repeat(1001));
    await expectRejected(scanTree(root, limits, 'the tree'), 'too_large');
    await rm(join(root, 'big'));
    for (let i = 0; i < 11; i++) await writeFile(join(root, `f${i}`), '');
    await expectRejected(scanTree(root, limits, 'the tree'), 'too_many_files');
  });
});
