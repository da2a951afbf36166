import type { IncomingMessage } from 'node:http';
import { MCP_BODY_DEADLINE_MS, MCP_MAX_BODY_BYTES, MCP_REFUSED_BODY_DRAIN_MS } from '../mcp/limits';
import { drained, readJsonBody } from '../mcp/request-body';
import { ApiError } from './api-error';

const CODE_OF_STATUS: Record<number, string> = {
  400: 'InvalidJson',
  408: 'RequestTimeout',
  413: 'PayloadTooLarge',
};

/**
 * A request's JSON body, read under /mcp's limits (4 MiB, 30 s: a session_start with a seed
 * archive is the same request on both): undefined when there is none, an ApiError otherwise
 * (400 not JSON, 408 too slow, 413 too large, 415 another content type).
 */
export async function requestJson(req: IncomingMessage): Promise<unknown> {
  const length = req.headers['content-length'];
  if (length === '0' || (length === undefined && req.headers['transfer-encoding'] === undefined)) {
    return undefined;
  }
  const read = await readJsonBody(req, {
    maxBytes: MCP_MAX_BODY_BYTES,
    deadlineMs: MCP_BODY_DEADLINE_MS,
  });
  if (!read.ok) {
    // The client is still sending a refused body: read it away first, so it reads the answer.
    if (read.status === 413) await drained(req, MCP_REFUSED_BODY_DRAIN_MS);
    // A body still trickling in after its deadline is not waited for: the connection ends.
    const headers: Record<string, string> = read.status === 408 ? { Connection: 'close' } : {};
    throw new ApiError(read.status, CODE_OF_STATUS[read.status] ?? 'BadRequest', read.message, {
      headers,
    });
  }
  if (read.raw.length === 0) return undefined;
  if (read.body === undefined) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      'Unsupported Media Type: send the body as JSON with Content-Type: application/json',
    );
  }
  return read.body;
}
