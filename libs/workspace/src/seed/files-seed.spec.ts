import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkSeed, materializeSeed, SeedTargetInvalid, type SeedRejectReason } from './index';
import type { SeedFile } from './files-seed';
import { expectNothingLeft, expectRejected, limits, scratch } from './spec/fixtures';

describe('files seed', () => {
  let dir: Awaited<ReturnType<typeof scratch>>;
  beforeEach(async () => (dir = await scratch()));
  afterEach(() => dir.cleanup());

  it('writes utf8 and base64 files with their parent directories, mode 0644', async () => {
    const seed = {
      files: [
        { path: 'README.md', content: '# hi\n' },
        { path: './src/deep/main.ts', content: 'export {};\n', encoding: 'utf8' as const },
        {
          path: 'bin/blob',
          content: Buffer.from([0, 1, 2, 255]).toString('base64'),
          encoding: 'base64' as const,
        },
      ],
    };
    await checkSeed(seed, limits());
    expect(await materializeSeed(seed, dir.target, limits())).toEqual({
      files: 3,
      bytes: 5 + 11 + 4,
    });

    expect(await readFile(join(dir.target, 'README.md'), 'utf8')).toBe('# hi\n');
    expect(await readFile(join(dir.target, 'src/deep/main.ts'), 'utf8')).toBe('export {};\n');
    expect([...(await readFile(join(dir.target, 'bin/blob')))]).toEqual([0, 1, 2, 255]);
    expect((await stat(join(dir.target, 'README.md'))).mode & 0o7777).toBe(0o644);
    expect((await stat(join(dir.target, 'src/deep'))).isDirectory()).toBe(true);
    expect((await readdir(dir.parent)).sort()).toEqual(['ws']);
  });

  it('seeds into an existing empty directory', async () => {
    await mkdir(dir.target);
    await materializeSeed({ files: [{ path: 'a', content: 'x' }] }, dir.target, limits());
    expect(await readFile(join(dir.target, 'a'), 'utf8')).toBe('x');
  });

  it('refuses a target that is not empty, and leaves it alone', async () => {
    await mkdir(dir.target);
    await writeFile(join(dir.target, 'keep'), 'mine');
    await expect(
      materializeSeed({ files: [{ path: 'a', content: 'x' }] }, dir.target, limits()),
    ).rejects.toThrow(SeedTargetInvalid);
    expect(await readdir(dir.target)).toEqual(['keep']);
    expect(await readdir(dir.parent)).toEqual(['ws']);
  });

  const refusals: Array<[string, SeedFile[], SeedRejectReason]> = [
    ['an absolute path', [{ path: '/etc/passwd', content: 'x' }], 'absolute_path'],
    ['a .. segment', [{ path: 'a/../../x', content: 'x' }], 'path_traversal'],
    [
      'a duplicate',
      [
        { path: 'a.txt', content: '1' },
        { path: './a.txt', content: '2' },
      ],
      'duplicate_path',
    ],
    [
      'a path below a file',
      [
        { path: 'a', content: '1' },
        { path: 'a/b', content: '2' },
      ],
      'path_conflict',
    ],
    [
      'a file over a directory',
      [
        { path: 'a/b', content: '1' },
        { path: 'a', content: '2' },
      ],
      'duplicate_path',
    ],
    ['bad base64', [{ path: 'a', content: 'not base64!', encoding: 'base64' }], 'bad_encoding'],
    ['truncated base64', [{ path: 'a', content: 'QUJDR', encoding: 'base64' }], 'bad_encoding'],
  ];

  it.each(refusals)(
    'refuses %s (check and write) and leaves nothing',
    async (_what, files, reason) => {
      await expectRejected(checkSeed({ files }, limits()), reason);
      // The second half of the seed is valid: whatever the first entries wrote must be gone.
      const seed = { files: [{ path: 'ok/first.txt', content: 'written first' }, ...files] };
      await expectRejected(materializeSeed(seed, dir.target, limits()), reason);
      await expectNothingLeft(dir.parent);
    },
  );

  it('refuses too many files', async () => {
    const files = Array.from({ length: 6 }, (_, i) => ({ path: `f${i}`, content: 'x' }));
    const err = await expectRejected(
      materializeSeed({ files }, dir.target, limits({ maxFiles: 5 })),
      'too_many_files',
    );
    expect(err.message).toContain('more than 5 files');
    await expectNothingLeft(dir.parent);
  });

  it('refuses too many bytes, naming the entry that crossed the limit', async () => {
    const files = [
      { path: 'a', content: 'x'.repeat(600) },
      { path: 'b', content: 'x'.repeat(600) },
    ];
    await expectRejected(checkSeed({ files }, limits({ maxBytes: 1000 })), 'too_large');
    const err = await expectRejected(
      materializeSeed({ files }, dir.target, limits({ maxBytes: 1000 })),
      'too_large',
    );
    expect(err.path).toBe('b');
    expect(err.message).toMatch(/^"b": .*workspace limit of 1000 B/);
    await expectNothingLeft(dir.parent);
  });

  it('stops when aborted and leaves nothing', async () => {
    const controller = new AbortController();
    controller.abort(new Error('session terminated'));
    await expect(
      materializeSeed({ files: [{ path: 'a', content: 'x' }] }, dir.target, limits(), {
        signal: controller.signal,
      }),
    ).rejects.toThrow('session terminated');
    await expectNothingLeft(dir.parent);
  });
});
