/**
 * The console's Content-Security-Policy: scripts, styles and connections from the gateway only,
 * no inline script or style, no framing, no forms posting anywhere, no <base> tricks; and
 * Trusted Types enforced with no policy, so no string can ever reach innerHTML or another
 * HTML sink: session output (tool results, files, Claude's text) can only be shown as text.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** On every /console answer, found or not. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  // Nothing of the console's addresses goes to another site in a Referer.
  'Referrer-Policy': 'no-referrer',
  // For browsers that predate frame-ancestors.
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
