/**
 * Template values that must never authenticate anything. Example manifests and `.env` files have
 * shipped keys like `tenant-a:replace-with-a-long-random-key`, which pass every other check (16+
 * characters); a deployment that forgot to fill them in must fail at start-up, not serve.
 */
const PLACEHOLDER = /replace-with|replace-me|change-?me/i;

/** The placeholder fragment `value` contains, if any (safe to print: it is not the secret). */
export function placeholderIn(value: string): string | undefined {
  return PLACEHOLDER.exec(value)?.[0].toLowerCase();
}

export function placeholderMessage(what: string, fragment: string): string {
  return `${what} is a placeholder (contains "${fragment}"): set a real secret (e.g. openssl rand -hex 32)`;
}
