import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPublicAddress } from './address';
import { SeedRejected } from './errors';

/** A git URL that passed the allow-list, in the normalised form handed to git. */
export interface GitRemote {
  url: string;
  /** `https`, `http`, `ssh`, `git` or `file`. */
  scheme: string;
  /** Host name or IP (IPv6 without brackets); empty for file URLs. */
  hostname: string;
  port: number | undefined;
  /** An allowed prefix names this host: private addresses are then allowed. */
  hostNamed: boolean;
}

const SCHEMES = ['https', 'http', 'ssh', 'git', 'file'];
const DEFAULT_PORTS: Record<string, number> = { https: 443, http: 80, ssh: 22, git: 9418 };

/**
 * Parses a seed URL and checks it against GIT_ALLOWED_URLS. Matching uses the WHATWG-normalised
 * URL (`a/../b`, `%2e%2e`, `0x7f.1` are resolved first), and a prefix that names a host matches
 * that exact host and port only: `https://github.com` does not admit `https://github.com.evil/`.
 */
export function parseGitRemote(raw: string, allowedPrefixes: readonly string[]): GitRemote {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new SeedRejected(
      'url_not_allowed',
      `${JSON.stringify(redactUrl(raw).slice(0, 200))} is not a URL; use a form like https://host/owner/repo.git (scp-like host:path is not supported)`,
    );
  }
  const scheme = url.protocol.slice(0, -1);
  const shown = redactUrl(url.href);
  if (url.password || (url.username && scheme !== 'ssh')) {
    throw new SeedRejected(
      'url_credentials',
      `the git URL ${shown} contains credentials; they would be stored and logged with the session, so send a URL without user:password@ (only public repositories can be seeded)`,
    );
  }
  if (!SCHEMES.includes(scheme)) {
    throw new SeedRejected(
      'url_not_allowed',
      `${shown}: git seeds support ${SCHEMES.join(', ')} URLs only`,
    );
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (scheme !== 'file' && !/^(?!-)[a-z0-9_.:-]+$/i.test(hostname)) {
    throw new SeedRejected('url_not_allowed', `${shown} has no usable host name`);
  }
  let hostNamed: boolean | undefined;
  for (const prefix of allowedPrefixes) {
    const match = matchPrefix(url, prefix.trim());
    if (match) hostNamed = hostNamed || match === 'host';
  }
  if (hostNamed === undefined) {
    throw new SeedRejected(
      'url_not_allowed',
      `${shown} is not allowed for git seeds; allowed URL prefixes: ${allowedPrefixes.join(', ') || '(none)'}`,
    );
  }
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[scheme];
  return { url: url.href, scheme, hostname, port, hostNamed };
}

/**
 * Resolves the remote's host and refuses loopback, private, link-local and other non-public
 * addresses (all of them: git may connect to any). Returns the addresses so the clone can be
 * pinned to them; empty when nothing was resolved (file URLs, hosts an allowed prefix names).
 */
export async function checkRemoteAddress(remote: GitRemote): Promise<string[]> {
  if (remote.scheme === 'file' || remote.hostNamed) return [];
  let addresses: string[];
  if (isIP(remote.hostname)) addresses = [remote.hostname];
  else {
    try {
      addresses = (await lookup(remote.hostname, { all: true, verbatim: true })).map(
        (a) => a.address,
      );
    } catch (err) {
      throw new SeedRejected(
        'host_not_found',
        `the git host ${remote.hostname} could not be resolved (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'}); check the URL`,
      );
    }
  }
  const refused = addresses.find((a) => !isPublicAddress(a));
  if (refused !== undefined) {
    const via = refused === remote.hostname ? '' : ` (it resolves to ${refused})`;
    throw new SeedRejected(
      'private_address',
      `the git host ${remote.hostname} is a loopback, private or link-local address${via}; git seeds may only reach public hosts unless the operator names the host in GIT_ALLOWED_URLS`,
    );
  }
  return addresses;
}

/** Replaces any `user:password@` in URLs inside `text` (git's stderr echoes URLs). */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1***@');
}

/**
 * Whether `url` is under an allowed `prefix`: `host` when the prefix names the URL's host (which
 * then may be private), `scheme` for a bare scheme prefix. Webhook URLs are checked with it too.
 */
export function matchPrefix(url: URL, prefix: string): 'host' | 'scheme' | undefined {
  let base: URL | undefined;
  try {
    base = new URL(prefix);
  } catch {
    const scheme = /^([a-z][a-z0-9+.-]*):(\/\/)?$/i.exec(prefix)?.[1];
    return scheme?.toLowerCase() === url.protocol.slice(0, -1) ? 'scheme' : undefined;
  }
  if (base.protocol !== url.protocol) return undefined;
  if (base.host !== '' && base.host !== url.host) return undefined;
  const head = base.href;
  const next = url.href.charAt(head.length);
  const onBoundary = head.endsWith('/') || next === '' || '/?#'.includes(next);
  if (!url.href.startsWith(head) || !onBoundary) return undefined;
  return base.host === '' ? 'scheme' : 'host';
}
