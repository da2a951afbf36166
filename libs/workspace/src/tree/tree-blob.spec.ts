import { canonicalJsonBytes, type TreeEntry } from '@app/checkpoint';
import { decodeTree, encodeTree } from './tree-blob';

const h = (c: string): string => c.repeat(64);

describe('encodeTree', () => {
  const entries: TreeEntry[] = [
    { name: 'a.txt', type: 'file', mode: 0o644, size: 3, hash: h('a') },
    {
      name: 'big "quoted" é',
      type: 'file',
      mode: 0o755,
      size: 30,
      sha256: h('b'),
      pages: [{ hash: h('c'), size: 20, chunks: 2 }],
      chunks: [{ hash: h('d'), size: 10 }],
    },
    { name: 'dir', type: 'dir', mode: 0o700, hash: h('e') },
    { name: 'link', type: 'symlink', mode: 0o777, target: '../x\n"y"' },
  ];

  it('produces exactly the canonical JSON bytes', () => {
    const canonical = canonicalJsonBytes({ kind: 'tree', version: 1, entries });
    expect(encodeTree(entries).blob.equals(canonical)).toBe(true);
    expect(encodeTree([]).blob.toString()).toBe('{"entries":[],"kind":"tree","version":1}');
  });

  it('decodes what it encodes', () => {
    const { hash, blob } = encodeTree(entries);
    expect(decodeTree(hash, blob).entries).toEqual(entries);
  });

  it('refuses blobs that are not trees, naming the problem', () => {
    expect(() => decodeTree(h('f'), Buffer.from('nope'))).toThrow(/not JSON/);
    const bad = Buffer.from(
      JSON.stringify({
        kind: 'tree',
        version: 1,
        entries: [{ name: 'a/b', type: 'dir', mode: 0, hash: h('1') }],
      }),
    );
    expect(() => decodeTree(h('f'), bad)).toThrow(/entries.0.name: not a file name/);
  });
});
