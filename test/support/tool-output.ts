import type { MessagesStub } from '@app/testing/messages-stub';

/** The text of the tool_result the CLI sent back with the stub's second conversation request. */
export async function secondRequestToolResult(stub: MessagesStub): Promise<string> {
  const [, second] = await stub.waitForConversationRequests(2);
  const last = second.messages.at(-1) as { content: Array<{ content?: unknown }> };
  const content = last.content[0]?.content;
  return typeof content === 'string' ? content : JSON.stringify(content);
}

/** The lines a probe command printed after `echo "== <name>"`, up to the next section. */
export function section(output: string, name: string): string {
  return output.split(`== ${name}\n`)[1]?.split('\n== ')[0] ?? '';
}
