import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { WebhookUrlRefused } from './errors';
import { guardedLookup, type WebhookUrl } from './url-policy';

/** What the receiver answered, or why it did not. */
export type PostOutcome = { status: number } | { error: string; refused?: boolean };

/**
 * POSTs `body` once: no redirects followed (a 3xx is an answer like any other: a redirect must
 * not lead a delivery past the URL policy), the host resolved through guardedLookup, and the
 * whole exchange bounded by `timeoutMs`. The receiver's body is read and dropped.
 */
export function postOnce(
  target: WebhookUrl,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostOutcome> {
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: PostOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = send(
      target.url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(target.hostNamed),
        // A fresh connection per delivery: each one is resolved and checked again.
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => done({ status: res.statusCode ?? 0 }));
        res.on('error', () => done({ status: res.statusCode ?? 0 }));
      },
    );
    const timer = setTimeout(() => {
      done({ error: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) =>
      done(
        error instanceof WebhookUrlRefused
          ? { error: error.message, refused: true }
          : { error: error.code ? `${error.code}: ${error.message}` : error.message },
      ),
    );
    req.end(body);
  });
}
