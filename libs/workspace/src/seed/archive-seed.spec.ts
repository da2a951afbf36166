import { lstat, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { SeedRejectReason } from './errors';
import { checkSeed, materializeSeed } from './index';
import {
  expectNothingLeft,
  expectRejected,
  limits,
  scratch,
  tarBase64,
  type TarEntry,
} from './spec/fixtures';

const file = (name: string, content: string, mode?: number): TarEntry => ({
  header: { name, mode },
  content,
});
const dir = (name: string, mode?: number): TarEntry => ({
  header: { name, type: 'directory', mode },
});
const symlink = (name: string, linkname: string): TarEntry => ({
  header: { name, type: 'symlink', linkname },
});

describe('archive seed', () => {
  let tmp: Awaited<ReturnType<typeof scratch>>;
  beforeEach(async () => (tmp = await scratch()));
  afterEach(() => tmp.cleanup());

  const entries: TarEntry[] = [
    dir('./'),
    dir('src/', 0o750),
    file('src/index.ts', 'export const x = 1;\n', 0o644),
    file('bin/run.sh', '#!/bin/sh\necho hi\n', 0o755),
    file('suid', 'x', 0o4755),
    symlink('src/link', '../bin/run.sh'),
    symlink('latest', 'src'),
    { header: { name: 'copy.sh', type: 'link', linkname: 'bin/run.sh' } },
  ];

  it.each(['tar', 'tar.gz'] as const)(
    'extracts a %s: files with modes, dirs, inner symlinks, hard-link copies',
    async (format) => {
      const seed = { archive: { base64: await tarBase64(entries, format === 'tar.gz'), format } };
      await checkSeed(seed, limits());
      expect(await materializeSeed(seed, tmp.target, limits())).toEqual({
        files: 6,
        bytes: 20 + 18 + 1 + 18,
      });

      const at = (p: string): string => join(tmp.target, p);
      expect(await readFile(at('src/index.ts'), 'utf8')).toBe('export const x = 1;\n');
      expect((await stat(at('bin/run.sh'))).mode & 0o7777).toBe(0o755);
      expect((await stat(at('src/index.ts'))).mode & 0o7777).toBe(0o644);
      expect((await stat(at('suid'))).mode & 0o7777).toBe(0o755);
      expect((await stat(at('src'))).mode & 0o7777).toBe(0o750);
      expect(await readlink(at('src/link'))).toBe('../bin/run.sh');
      expect(await readFile(at('src/link'), 'utf8')).toContain('echo hi');
      expect(await readFile(at('latest/index.ts'), 'utf8')).toContain('x = 1');
      const copy = await lstat(at('copy.sh'));
      expect(copy.isFile() && copy.nlink === 1 && (copy.mode & 0o777) === 0o755).toBe(true);
    },
  );

  it('handles long (pax) names', async () => {
    const name = `${'long-directory-name/'.repeat(8)}file.txt`;
    const seed = {
      archive: { base64: await tarBase64([file(name, 'deep')]), format: 'tar' as const },
    };
    await materializeSeed(seed, tmp.target, limits());
    expect(await readFile(join(tmp.target, name), 'utf8')).toBe('deep');
  });

  const refusals: Array<[string, TarEntry[], SeedRejectReason]> = [
    ['traversal ../x', [file('../x', 'evil')], 'path_traversal'],
    ['an absolute /x', [file('/x', 'evil')], 'absolute_path'],
    ['a symlink escape l -> ../../etc', [symlink('l', '../../etc')], 'link_escape'],
    ['an absolute symlink', [symlink('l', '/etc/passwd')], 'link_escape'],
    [
      'a write through a symlink',
      [symlink('a', 'real'), dir('real/'), file('a/passwd', 'evil')],
      'through_symlink',
    ],
    [
      'a write through an escaping symlink',
      [symlink('a', '/etc'), file('a/passwd', 'evil')],
      'link_escape',
    ],
    ['a symlink chain that escapes', [symlink('d', '.'), symlink('l', 'd/..')], 'link_escape'],
    [
      'a hard link to outside',
      [{ header: { name: 'h', type: 'link', linkname: '/etc/passwd' } }],
      'absolute_path',
    ],
    [
      'a hard link to nothing written',
      [{ header: { name: 'h', type: 'link', linkname: 'missing' } }],
      'unsupported_entry',
    ],
    [
      'a hard link to a symlink',
      [symlink('s', 'x'), { header: { name: 'h', type: 'link', linkname: 's' } }],
      'unsupported_entry',
    ],
    ['a fifo', [{ header: { name: 'pipe', type: 'fifo' } }], 'unsupported_entry'],
    [
      'a character device',
      [{ header: { name: 'null', type: 'character-device', devmajor: 1, devminor: 3 } }],
      'unsupported_entry',
    ],
    [
      'a block device',
      [{ header: { name: 'sda', type: 'block-device', devmajor: 8 } }],
      'unsupported_entry',
    ],
    ['a duplicate', [file('a', '1'), file('./a', '2')], 'duplicate_path'],
  ];

  it.each(refusals)('refuses %s and leaves nothing', async (_what, bad, reason) => {
    // A valid entry first, so that something was written before the refusal.
    const base64 = await tarBase64([dir('ok/'), file('ok/first.txt', 'written first'), ...bad]);
    const seed = { archive: { base64, format: 'tar' as const } };
    await expectRejected(checkSeed(seed, limits()), reason);
    await expectRejected(materializeSeed(seed, tmp.target, limits()), reason);
    await expectNothingLeft(tmp.parent);
  });

  it('stops a gzip bomb from its declared size, before inflating it', async () => {
    const bomb = await tarBase64(
      [{ header: { name: 'zeros' }, content: Buffer.alloc(50 * 1024 * 1024) }],
      true,
    );
    expect(bomb.length).toBeLessThan(200 * 1024);
    const seed = { archive: { base64: bomb, format: 'tar.gz' as const } };
    const started = Date.now();
    const err = await expectRejected(
      materializeSeed(seed, tmp.target, limits({ maxBytes: 1024 * 1024 })),
      'too_large',
    );
    expect(err.path).toBe('zeros');
    expect(Date.now() - started).toBeLessThan(2000);
    await expectNothingLeft(tmp.parent);
  });

  it('stops inflating a stream of zeros that holds no entries', async () => {
    const zeros = gzipSync(Buffer.alloc(200 * 1024 * 1024)).toString('base64');
    const seed = { archive: { base64: zeros, format: 'tar.gz' as const } };
    const started = Date.now();
    const err = await expectRejected(
      materializeSeed(seed, tmp.target, limits({ maxBytes: 1024 * 1024 })),
      'too_large',
    );
    expect(err.message).toContain('decompression bomb');
    expect(Date.now() - started).toBeLessThan(2000);
    await expectNothingLeft(tmp.parent);
  });

  it('refuses too many files and too many bytes', async () => {
    const many = await tarBase64(Array.from({ length: 11 }, (_, i) => file(`f${i}`, 'x')));
    await expectRejected(
      materializeSeed(
        { archive: { base64: many, format: 'tar' } },
        tmp.target,
        limits({ maxFiles: 10 }),
      ),
      'too_many_files',
    );
    const dirs = await tarBase64(Array.from({ length: 11 }, (_, i) => dir(`d${i}/`)));
    await expectRejected(
      checkSeed({ archive: { base64: dirs, format: 'tar' } }, limits({ maxFiles: 10 })),
      'too_many_files',
    );
    const big = await tarBase64([file('a', 'x'.repeat(600)), file('b', 'x'.repeat(600))]);
    await expectRejected(
      materializeSeed(
        { archive: { base64: big, format: 'tar' } },
        tmp.target,
        limits({ maxBytes: 1000 }),
      ),
      'too_large',
    );
    await expectNothingLeft(tmp.parent);
  });

  it.each([
    [
      'garbage bytes as tar',
      Buffer.from('this is not a tar archive at all '.repeat(40)).toString('base64'),
      'tar',
      /not a valid tar/,
    ],
    [
      'garbage bytes as tar.gz',
      Buffer.from('not gzip either').toString('base64'),
      'tar.gz',
      /not valid gzip/,
    ],
    ['a truncated tar', 'dHJ1bmNhdGVk', 'tar', /not a valid tar/],
    ['invalid base64', 'this is %%% not base64', 'tar', /not valid base64/],
  ] as const)('refuses %s as bad_archive', async (_what, base64, format, message) => {
    const seed = { archive: { base64, format } };
    expect((await expectRejected(checkSeed(seed, limits()), 'bad_archive')).message).toMatch(
      message,
    );
    await expectRejected(materializeSeed(seed, tmp.target, limits()), 'bad_archive');
    await expectNothingLeft(tmp.parent);
  });

  it('refuses a truncated tar.gz after its first entries were written', async () => {
    const whole = Buffer.from(
      await tarBase64([file('a', 'x'.repeat(5000)), file('b', 'y'.repeat(5000))], true),
      'base64',
    );
    const seed = {
      archive: {
        base64: whole.subarray(0, whole.length - 30).toString('base64'),
        format: 'tar.gz' as const,
      },
    };
    await expectRejected(materializeSeed(seed, tmp.target, limits()), 'bad_archive');
    await expectNothingLeft(tmp.parent);
  });
});
