/**
 * What grows per session in a process: objects counted by constructor in two heap snapshots
 * (from `SCALE_HEAP_DIR=<dir> npm run bench -- scale`, or any `.heapsnapshot`), and the
 * difference divided by the sessions between them.
 *   node --max-old-space-size=8192 -r @swc-node/register bench/scale-heap.ts a.heapsnapshot b.heapsnapshot [sessions] [top]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Count and self size per kind of object: `object` nodes by constructor, others by type. */
type Census = Map<string, { count: number; bytes: number }>;

/** Node kinds that are V8's own bookkeeping or values inside other objects, not allocations of ours. */
const SKIPPED = new Set(['synthetic', 'hidden', 'code', 'number', 'bigint', 'object shape']);

export function census(file: string): Census {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const result: Census = new Map();
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = types[heap.nodes[i + typeAt]];
    if (SKIPPED.has(type)) continue;
    const name =
      type === 'object' || type === 'closure' ? heap.strings[heap.nodes[i + nameAt]] : '';
    const kind = type === 'object' ? name : name ? `${type} ${name}` : `(${type})`;
    const entry = result.get(kind) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += heap.nodes[i + sizeAt];
    result.set(kind, entry);
  }
  return result;
}

/** Kinds that grew most from `a` to `b` (by bytes), per session when `sessions` is given. */
export function growth(a: Census, b: Census, sessions = 1, top = 40) {
  const kinds = new Set([...a.keys(), ...b.keys()]);
  return [...kinds]
    .map((kind) => {
      const before = a.get(kind) ?? { count: 0, bytes: 0 };
      const after = b.get(kind) ?? { count: 0, bytes: 0 };
      return {
        kind: kind.slice(0, 60),
        'count before': before.count,
        'count after': after.count,
        'per session': Number(((after.count - before.count) / sessions).toFixed(2)),
        'bytes per session': Math.round((after.bytes - before.bytes) / sessions),
      };
    })
    .sort((x, y) => y['bytes per session'] - x['bytes per session'])
    .slice(0, top);
}

if (require.main === module) {
  const [a, b, sessions = '1', top = '40'] = process.argv.slice(2);
  if (!a || !b)
    throw new Error(
      'usage: scale-heap.ts <before.heapsnapshot> <after.heapsnapshot> [sessions] [top]',
    );
  console.table(growth(census(a), census(b), Number(sessions), Number(top)));
}
