import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { isPublicAddress } from '@app/workspace/seed/address';
import { matchPrefix, redactUrl } from '@app/workspace/seed/git-url';
import { WebhookUrlRefused } from './errors';

/*
 * Where a webhook may point: the same policy as git seeds (libs/workspace/seed), with their
 * helpers. A URL must fall under a WEBHOOK_ALLOWED_URLS prefix (default `https://`), and its host
 * must resolve to public addresses only, unless a prefix names that host: deliveries leave from
 * inside the cluster, so `https://10.0.0.5/` or a name resolving to 169.254.169.254 would let a
 * tenant probe internal services. The address is checked when the webhook is set and again at
 * every connection (guardedLookup), since a name can resolve elsewhere later (DNS rebinding).
 */

/** A webhook URL that passed the allow-list. */
export interface WebhookUrl {
  url: URL;
  /** An allowed prefix names this host: private addresses are then allowed. */
  hostNamed: boolean;
}

/** Syntax, scheme, credentials and allow-list; no DNS. */
export function parseWebhookUrl(raw: string, allowedPrefixes: readonly string[]): WebhookUrl {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new WebhookUrlRefused(
      'url_not_allowed',
      `${JSON.stringify(redactUrl(raw).slice(0, 200))} is not a URL; use a form like https://example.com/hooks`,
    );
  }
  const shown = redactUrl(url.href);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new WebhookUrlRefused(
      'url_not_allowed',
      `${shown}: webhooks are sent over https (or http) only`,
    );
  }
  if (url.username || url.password) {
    throw new WebhookUrlRefused(
      'url_not_allowed',
      `the webhook URL ${shown} contains credentials; send a URL without user:password@ (deliveries are authenticated by their signature)`,
    );
  }
  let hostNamed: boolean | undefined;
  for (const prefix of allowedPrefixes) {
    const match = matchPrefix(url, prefix.trim());
    if (match) hostNamed = hostNamed || match === 'host';
  }
  if (hostNamed === undefined) {
    throw new WebhookUrlRefused(
      'url_not_allowed',
      `${shown} is not allowed for webhooks; allowed URL prefixes: ${allowedPrefixes.join(', ') || '(none)'}`,
    );
  }
  return { url, hostNamed };
}

/** Resolves the host and refuses non-public addresses unless a prefix names the host. */
export async function checkWebhookAddress(target: WebhookUrl): Promise<void> {
  if (target.hostNamed) return;
  const hostname = hostOf(target.url);
  const addresses = isIP(hostname) ? [hostname] : await resolveAll(hostname);
  refusePrivate(hostname, addresses);
}

/**
 * A `lookup` for http.request that refuses non-public addresses as it resolves, so the
 * connection goes to an address that was checked (no window between check and connect).
 * IP-literal hosts never reach a lookup: checkWebhookAddress covers them before the request.
 */
export function guardedLookup(hostNamed: boolean): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, found: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      try {
        if (!hostNamed)
          refusePrivate(
            hostname,
            found.map((a) => a.address),
          );
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return (callback as AllCallback)(null, found);
      callback(null, found[0].address, found[0].family);
    });
  };
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;
type AllCallback = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

function refusePrivate(hostname: string, addresses: readonly string[]): void {
  const refused = addresses.find((a) => !isPublicAddress(a));
  if (refused === undefined) return;
  const via = refused === hostname ? '' : ` (it resolves to ${refused})`;
  throw new WebhookUrlRefused(
    'private_address',
    `the webhook host ${hostname} is a loopback, private or link-local address${via}; webhooks may only reach public hosts unless the operator names the host in WEBHOOK_ALLOWED_URLS`,
  );
}

function resolveAll(hostname: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, found) => {
      if (!error) return resolve(found.map((a) => a.address));
      reject(
        new WebhookUrlRefused(
          'host_not_found',
          `the webhook host ${hostname} could not be resolved (${error.code ?? 'lookup failed'}); check the URL`,
        ),
      );
    }),
  );
}
