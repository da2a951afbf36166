const SNIFF_BYTES = 8000;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes as text, or undefined for binary content: a NUL in the first `sniffBytes` (git's
 * test, 8 kB by default) or anything that does not decode as UTF-8.
 */
export function asText(bytes: Buffer, sniffBytes = SNIFF_BYTES): string | undefined {
  if (bytes.subarray(0, sniffBytes).includes(0)) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}
