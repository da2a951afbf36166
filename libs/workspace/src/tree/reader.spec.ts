import { chmod, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkspaceTree } from '@app/checkpoint';
import {
  snapshotWorkspace,
  WorkspaceNotAFile,
  WorkspacePathInvalid,
  WorkspacePathNotFound,
  WorkspaceReader,
} from '.';
import {
  type Backend,
  CountingContentStore,
  openFsBackend,
  tempDir,
  textBytes,
  uniqueTenant,
  writeWorkspace,
} from './spec/fixtures';

const LIMITS = { maxBytes: 1 << 30, maxFiles: 100_000 };
const SMALL_CHUNKS = { minSize: 1024, avgSize: 4096, maxSize: 16384 };

describe('WorkspaceReader', () => {
  let backend: Backend;
  let dir: string;
  let content: CountingContentStore;
  let root: string;
  let reader: WorkspaceReader;
  beforeAll(async () => {
    backend = await openFsBackend();
  });
  afterAll(() => backend.close());
  beforeEach(async () => {
    content = new CountingContentStore(backend.objects, uniqueTenant());
    reader = new WorkspaceReader(content);
    dir = await tempDir('ws-reader-');
    root = join(dir, 'ws');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const snap = async (): Promise<string> =>
    (
      await snapshotWorkspace(content, root, {
        ...LIMITS,
        smallFileBytes: 8192,
        chunking: SMALL_CHUNKS,
      })
    ).snapshot.tree;

  describe('list and read', () => {
    const big = textBytes(600_000, 5);
    let tree: string;
    beforeEach(async () => {
      await writeWorkspace(root, {
        'README.md': 'hello\n',
        'src/main.ts': { content: 'main\n', mode: 0o755 },
        'src/lib/util.ts': 'util\n',
        'src/link': { link: '../README.md' },
        'data/big.txt': big,
      });
      tree = await snap();
    });

    it('lists a directory, recursively, and up to a limit', async () => {
      expect(await reader.list(tree, 'src')).toEqual({
        entries: [
          { path: 'src/lib', type: 'dir', size: 0, mode: 0o755 },
          { path: 'src/link', type: 'symlink', size: 12, mode: 0o777, target: '../README.md' },
          { path: 'src/main.ts', type: 'file', size: 5, mode: 0o755 },
        ],
        truncated: false,
      });
      const all = await reader.list(tree, '', { recursive: true });
      expect(all.entries.map((e) => e.path)).toEqual([
        'README.md',
        'data',
        'data/big.txt',
        'src',
        'src/lib',
        'src/lib/util.ts',
        'src/link',
        'src/main.ts',
      ]);
      expect((await reader.list(tree, '/', { recursive: true, limit: 8 })).truncated).toBe(false);
      const cut = await reader.list(tree, './', { recursive: true, limit: 4 });
      expect(cut.entries.map((e) => e.path)).toEqual(['README.md', 'data', 'data/big.txt', 'src']);
      expect(cut.truncated).toBe(true);
      expect((await reader.list(tree, 'src/main.ts')).entries).toEqual([
        { path: 'src/main.ts', type: 'file', size: 5, mode: 0o755 },
      ]);
    });

    it('says which paths are not there, and refuses paths that climb', async () => {
      await expect(reader.list(tree, 'nope')).rejects.toThrow(WorkspacePathNotFound);
      await expect(reader.read(tree, 'src/lib/nope.ts')).rejects.toThrow(
        /src\/lib has no entry nope.ts/,
      );
      await expect(reader.read(tree, 'README.md/x')).rejects.toThrow(/README.md is a file/);
      await expect(reader.read(tree, 'src/link/x')).rejects.toThrow(
        /src\/link is a symlink to ..\/README.md/,
      );
      await expect(reader.read(tree, '../etc/passwd')).rejects.toThrow(WorkspacePathInvalid);
      await expect(reader.read(tree, 'src')).rejects.toThrow(WorkspaceNotAFile);
    });

    it('reads files, ranges, and a symlink as its target', async () => {
      expect(await reader.read(tree, 'README.md')).toEqual({
        content: Buffer.from('hello\n'),
        size: 6,
        type: 'file',
      });
      expect(
        (await reader.read(tree, 'README.md', { offset: 1, length: 3 })).content.toString(),
      ).toBe('ell');
      expect((await reader.read(tree, 'README.md', { offset: 100 })).content.length).toBe(0);
      expect(await reader.read(tree, 'src/link')).toEqual({
        content: Buffer.from('../README.md'),
        size: 12,
        type: 'symlink',
      });
    });

    it('reads a range of a chunked file fetching only the pages and chunks that cover it', async () => {
      const rootTree = WorkspaceTree.parse(JSON.parse((await content.getBlob(tree)).toString()));
      const data = rootTree.entries.find((e) => e.name === 'data');
      const dataTree = WorkspaceTree.parse(
        JSON.parse((await content.getBlob((data as { hash: string }).hash)).toString()),
      );
      const entry = dataTree.entries[0] as { pages: unknown[]; chunks: unknown[] };
      expect(entry.pages.length).toBeGreaterThan(1);

      const fresh = new CountingContentStore(backend.objects, content.tenant);
      const part = await new WorkspaceReader(fresh).read(tree, 'data/big.txt', {
        offset: 300_000,
        length: 10_000,
      });
      expect(part.content.equals(big.subarray(300_000, 310_000))).toBe(true);
      expect(part.size).toBe(big.length);
      // Two trees, one page, and the few chunks (1..16 KiB each) that hold 10 kB.
      expect(fresh.reads.length).toBeLessThanOrEqual(2 + 1 + 12);

      const whole = await reader.read(tree, 'data/big.txt');
      expect(whole.content.equals(big)).toBe(true);
      const tail = await reader.read(tree, 'data/big.txt', {
        offset: big.length - 10,
        length: 100,
      });
      expect(tail.content.equals(big.subarray(big.length - 10))).toBe(true);
    });
  });

  describe('diff', () => {
    it('shows everything as added against no base', async () => {
      await writeWorkspace(root, { 'a.txt': 'one\ntwo\n', 'e/empty': '' });
      const result = await reader.diff(undefined, await snap());
      expect(result.files).toEqual([
        { path: 'a.txt', change: 'added' },
        { path: 'e/empty', change: 'added' },
      ]);
      expect(result.diff).toBe(
        [
          'diff --git a/a.txt b/a.txt',
          'new file mode 100644',
          '--- /dev/null',
          '+++ b/a.txt',
          '@@ -0,0 +1,2 @@',
          '+one',
          '+two',
          'diff --git a/e/empty b/e/empty',
          'new file mode 100644',
          '',
        ].join('\n'),
      );
      expect(result.truncated).toBe(false);
    });

    it('shows modified, deleted, binary, mode and type changes as git does', async () => {
      const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
      await writeWorkspace(root, {
        'text.txt': lines.join('\n') + '\n',
        'gone.txt': 'bye\n',
        'image.bin': Buffer.from([0x89, 0x50, 0x00, 0x01]),
        'run.sh': 'echo\n',
        swap: 'was a file\n',
        'same/x.txt': 'same\n',
      });
      const before = await snap();
      lines[10] = 'line ten';
      await writeFile(join(root, 'text.txt'), lines.join('\n') + '\n');
      await unlink(join(root, 'gone.txt'));
      await writeFile(join(root, 'image.bin'), Buffer.from([0x89, 0x50, 0x00, 0x02]));
      await chmod(join(root, 'run.sh'), 0o755);
      await unlink(join(root, 'swap'));
      await writeWorkspace(root, { swap: { link: 'text.txt' } });
      const after = await snap();

      const result = await reader.diff(before, after);
      expect(result.files).toEqual([
        { path: 'gone.txt', change: 'deleted' },
        { path: 'image.bin', change: 'modified', binary: true },
        { path: 'run.sh', change: 'mode_changed' },
        { path: 'swap', change: 'type_changed' },
        { path: 'text.txt', change: 'modified' },
      ]);
      expect(result.diff).toContain(
        [
          'diff --git a/gone.txt b/gone.txt',
          'deleted file mode 100644',
          '--- a/gone.txt',
          '+++ /dev/null',
          '@@ -1,1 +0,0 @@',
          '-bye',
        ].join('\n'),
      );
      expect(result.diff).toContain(
        'diff --git a/image.bin b/image.bin\nBinary files a/image.bin and b/image.bin differ\n',
      );
      expect(result.diff).toContain(
        'diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n',
      );
      expect(result.diff).toContain('diff --git a/swap b/swap\ndeleted file mode 100644\n');
      expect(result.diff).toContain(
        'diff --git a/swap b/swap\nnew file mode 120000\n--- /dev/null\n+++ b/swap\n@@ -0,0 +1,1 @@\n+text.txt\n\\ No newline at end of file\n',
      );
      expect(result.diff).toContain(
        [
          '--- a/text.txt',
          '+++ b/text.txt',
          '@@ -8,7 +8,7 @@',
          ' line 7',
          ' line 8',
          ' line 9',
          '-line 10',
          '+line ten',
          ' line 11',
        ].join('\n'),
      );
    });

    it('does not read subtrees that did not change', async () => {
      const files: Record<string, string> = { 'changed/file.txt': 'v1\n' };
      for (let i = 0; i < 5; i++) files[`stable/d${i}/f.txt`] = `stable ${i}\n`;
      await writeWorkspace(root, files);
      const before = await snap();
      await writeFile(join(root, 'changed/file.txt'), 'v2\n');
      const after = await snap();

      const counting = new CountingContentStore(backend.objects, content.tenant);
      const result = await new WorkspaceReader(counting).diff(before, after);
      expect(result.files).toEqual([{ path: 'changed/file.txt', change: 'modified' }]);
      // Two roots, two `changed` trees, two file blobs: `stable` is never opened.
      expect(counting.reads).toHaveLength(6);
    });

    it('lists large files without reading them, and caps the text', async () => {
      await writeWorkspace(root, {
        'big.txt': textBytes(5000),
        'a.txt': 'a\n',
        'b.txt': textBytes(3000, 2),
      });
      const tree = await snap();
      const counting = new CountingContentStore(backend.objects, content.tenant);
      const result = await new WorkspaceReader(counting).diff(undefined, tree, {
        maxFileBytes: 4000,
        maxBytes: 1000,
      });
      expect(result.files).toEqual([
        { path: 'a.txt', change: 'added' },
        { path: 'b.txt', change: 'added' },
        { path: 'big.txt', change: 'added', tooLarge: true },
      ]);
      expect(result.truncated).toBe(true);
      expect(result.diff).toMatch(/^diff --git a\/a.txt b\/a.txt\n/);
      expect(result.diff).not.toContain('b.txt');
      expect(Buffer.byteLength(result.diff)).toBeLessThanOrEqual(1000);

      const full = await reader.diff(undefined, tree, { maxFileBytes: 4000 });
      expect(full.truncated).toBe(false);
      expect(full.diff).toContain(
        'diff --git a/big.txt b/big.txt\nnew file mode 100644\nFiles /dev/null and b/big.txt differ (not shown: 5000 bytes, over maxFileBytes 4000)\n',
      );
    });

    it('shows a rewrite with too many changed lines as one hunk replacing every line', async () => {
      const lines = (tag: string) => Array.from({ length: 3000 }, (_, i) => `${tag} ${i}\n`);
      await writeWorkspace(root, { 'r.txt': lines('old').join('') });
      const before = await snap();
      await writeFile(join(root, 'r.txt'), lines('new').join('').trimEnd());
      const result = await reader.diff(before, await snap(), { maxBytes: 1 << 20 });
      expect(result.files).toEqual([{ path: 'r.txt', change: 'modified' }]);
      expect(result.diff).toBe(
        [
          'diff --git a/r.txt b/r.txt',
          '--- a/r.txt',
          '+++ b/r.txt',
          '@@ -1,3000 +1,3000 @@',
          ...lines('old').map((l) => `-${l.trimEnd()}`),
          ...lines('new').map((l) => `+${l.trimEnd()}`),
          '\\ No newline at end of file',
          '',
        ].join('\n'),
      );
    });

    it('lists empty directories that come and go, and directory mode changes', async () => {
      await writeWorkspace(root, { 'keep/x': 'x', 'old-empty': { dir: 0o755 } });
      const before = await snap();
      await rm(join(root, 'old-empty'), { recursive: true });
      await writeWorkspace(root, { 'new-empty': { dir: 0o755 } });
      await chmod(join(root, 'keep'), 0o700);
      const result = await reader.diff(before, await snap());
      expect(result.files).toEqual([
        { path: 'keep', change: 'mode_changed' },
        { path: 'new-empty', change: 'added' },
        { path: 'old-empty', change: 'deleted' },
      ]);
      expect(result.diff).toBe('diff --git a/keep b/keep\nold mode 040755\nnew mode 040700\n');
    });
  });
});
