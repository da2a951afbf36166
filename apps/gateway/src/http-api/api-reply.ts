import type { ServerResponse } from 'node:http';
import type { ApiError } from './api-error';

/**
 * On every answer of /api/v1: answers hold tenants' data, so no cache keeps them, and a browser
 * never sniffs a JSON answer into something it would render or run.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

export function replyJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function replyError(res: ServerResponse, error: ApiError): void {
  replyJson(res, error.status, error.body, error.extra.headers);
}

/** An answer without a body (204). */
export function replyEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, SECURITY_HEADERS);
  res.end();
}
