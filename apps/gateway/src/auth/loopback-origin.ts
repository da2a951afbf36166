import type { IncomingHttpHeaders } from 'node:http';

/**
 * DNS-rebinding protection for a gateway without API keys (it then binds only to loopback): a web
 * page on evil.example whose name now resolves to 127.0.0.1 still sends `Host: evil.example` and
 * `Origin: http://evil.example`, so both must name this machine.
 *
 * Hostnames, not host:port, are compared (port-agnostic, like the SDK's hostHeaderValidation
 * middleware, which needs Express types this repo does not install).
 */
export function rebindingRefusal(headers: IncomingHttpHeaders): string | undefined {
  const host = headers.host;
  if (!host) return 'Missing Host header';
  if (!isLoopbackName(hostnameOf(`http://${host}`))) {
    return `Host "${host}" is not a loopback name: without MCP_API_KEYS the gateway only answers requests addressed to localhost`;
  }
  const origin = headers.origin;
  if (origin !== undefined && !isLoopbackName(hostnameOf(origin))) {
    return `Origin "${origin}" is not a loopback origin: without MCP_API_KEYS the gateway refuses cross-site requests`;
  }
  return undefined;
}

function hostnameOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:'
      ? parsed.hostname
      : undefined;
  } catch {
    return undefined;
  }
}

function isLoopbackName(hostname: string | undefined): boolean {
  if (hostname === undefined) return false;
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}
