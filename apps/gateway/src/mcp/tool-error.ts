import type { CallToolResult } from '@modelcontextprotocol/server';

/** An MCP tool error: the message is what the caller reads, so it says what to do. */
export function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}
