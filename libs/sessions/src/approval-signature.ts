import { createHash } from 'node:crypto';

/**
 * What makes two tool calls "identical" for allow_session: the tool's name and its exact
 * input (object keys in any order). A digest, so a huge input costs a few bytes in Redis.
 */
export function approvalSignature(tool: string, input: unknown): string {
  return createHash('sha256')
    .update(tool)
    .update('\0')
    .update(stableJson(input))
    .digest('base64url');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
