const isContinuation = (byte: number | undefined): boolean =>
  byte !== undefined && (byte & 0xc0) === 0x80;

/**
 * Decodes at most `maxBytes` bytes of `buf[start, end)`. The cut is moved back to a character
 * start so a multi-byte character (e.g. a 4-byte emoji, a surrogate pair in JS) is never split.
 * Invalid input decodes to U+FFFD, so the result is always well-formed.
 */
export function utf8Excerpt(buf: Buffer, start: number, end: number, maxBytes: number): string {
  let cut = Math.min(end, start + maxBytes);
  // A UTF-8 sequence has at most 3 continuation bytes; more means garbage, cut anywhere.
  for (let i = 0; i < 3 && cut < end && cut > start && isContinuation(buf[cut]); i++) cut--;
  if (cut < end && isContinuation(buf[cut])) cut = Math.min(end, start + maxBytes);
  return buf.toString('utf8', start, cut);
}
