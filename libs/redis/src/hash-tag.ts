/**
 * What Redis Cluster hashes to place a key: the part between the first `{` and the next `}` when
 * that is not empty, else the whole key. Keys with the same hash tag are in one slot, so one
 * pipeline, MULTI or script may use them together on a cluster.
 */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/** `items` grouped by the hash tag of their key, each group in its original order. */
export function groupByHashTag<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const tag = hashTagOf(keyOf(item));
    const group = groups.get(tag);
    if (group) group.push(item);
    else groups.set(tag, [item]);
  }
  return [...groups.values()];
}
