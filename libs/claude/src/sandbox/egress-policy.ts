import { EgressAllowInvalid } from './errors';

/** A host name (or IP literal, without brackets) and a TCP port, as a proxy client names it. */
export interface EgressTarget {
  host: string;
  port: number;
}

const DEFAULT_API_URL = 'https://api.anthropic.com';
// An allow-list entry without a port means HTTPS, the only thing the CLI and most tools speak.
const DEFAULT_ALLOW_PORT = 443;

/**
 * Which `host:port` pairs a sandbox may reach through the egress proxy: the Anthropic API host
 * and the operator's extra entries. Names are compared as written (lower-cased), never resolved:
 * the allow-list is by host name, not by address.
 */
export class EgressPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(readonly targets: readonly EgressTarget[]) {
    this.allowed = new Set(targets.map(formatTarget));
  }

  /** The API host from `ANTHROPIC_BASE_URL` (default api.anthropic.com:443) plus `extra` entries. */
  static forApi(apiBaseUrl: string | undefined, extra: readonly string[] = []): EgressPolicy {
    return new EgressPolicy([apiTarget(apiBaseUrl), ...extra.map(parseAllowEntry)]);
  }

  allows(target: EgressTarget): boolean {
    return this.allowed.has(formatTarget({ host: normalizeHost(target.host), port: target.port }));
  }

  describe(): string[] {
    return [...this.allowed];
  }
}

/** `host:port` with IPv6 literals bracketed, the form used in logs and CONNECT lines. */
export function formatTarget({ host, port }: EgressTarget): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The host and port the CLI talks to for a given `ANTHROPIC_BASE_URL`. */
export function apiTarget(baseUrl: string | undefined): EgressTarget {
  let url: URL;
  try {
    url = new URL(baseUrl || DEFAULT_API_URL);
  } catch {
    throw new EgressAllowInvalid(`ANTHROPIC_BASE_URL is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EgressAllowInvalid(`ANTHROPIC_BASE_URL must be http:// or https://`);
  }
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host: normalizeHost(url.hostname), port };
}

/** One `SANDBOX_PROXY_ALLOW` entry: `host`, `host:port`, `[v6]` or `[v6]:port`. */
export function parseAllowEntry(entry: string): EgressTarget {
  const target = parseAuthority(entry.trim(), DEFAULT_ALLOW_PORT);
  if (!target) {
    throw new EgressAllowInvalid(
      `SANDBOX_PROXY_ALLOW entry "${entry}" must be host or host:port (no scheme, path or wildcard)`,
    );
  }
  return target;
}

/**
 * Parses `host:port` (a CONNECT request target) or, with `defaultPort`, a bare host. Returns
 * undefined for anything else: user info, paths, wildcards, out-of-range ports.
 */
export function parseAuthority(text: string, defaultPort?: number): EgressTarget | undefined {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(text);
  if (!match) return undefined;
  const port = match[2] === undefined ? defaultPort : Number(match[2]);
  if (port === undefined || port < 1 || port > 65535) return undefined;
  const host = normalizeHost(match[1]);
  return host ? { host, port } : undefined;
}

/** Lower case, no IPv6 brackets, no trailing dot: `API.Example.com.` and `api.example.com` match. */
export function normalizeHost(host: string): string {
  return host
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}
