/**
 * Canonical JSON: object keys sorted (UTF-16 code unit order, as JS sorts), no whitespace,
 * `undefined` members dropped. Equal values always give equal bytes, which is what makes a
 * manifest's hash a stable checkpoint id.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$');
}

function encode(value: unknown, path: string): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string')
    return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new TypeError(`canonicalJson: ${path} is ${value}, which JSON cannot hold`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value))
    return `[${value.map((v, i) => encode(v ?? null, `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object') {
    const members = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map(
        (k) =>
          `${JSON.stringify(k)}:${encode((value as Record<string, unknown>)[k], `${path}.${k}`)}`,
      );
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, which JSON cannot hold`);
}

export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
