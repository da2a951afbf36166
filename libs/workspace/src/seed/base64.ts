/**
 * Strict base64 decoding. Node's decoder skips characters it does not know, so a truncated or
 * mangled payload would silently become different bytes; here it is refused instead. Standard
 * and URL-safe alphabets, padding optional, whitespace (line breaks) ignored.
 */
export function decodeBase64Strict(text: string): Buffer | undefined {
  const compact = /\s/.test(text) ? text.replace(/\s+/g, '') : text;
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) return undefined;
  const unpadded = compact.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  if (compact.length !== unpadded.length && compact.length % 4 !== 0) return undefined;
  return Buffer.from(unpadded, 'base64');
}
