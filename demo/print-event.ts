/** Prints a relayed session event the way a user wants to see it: text as it streams, tools as they run. */
export function printEvent(message: string | undefined): void {
  if (!message) return;
  const event = JSON.parse(message) as { kind: string; data: Record<string, unknown> };
  const d = event.data;
  if (event.kind === 'status') process.stdout.write(`\n   [status: ${String(d.status)}]\n`);
  if (event.kind === 'error') process.stdout.write(`\n   [error: ${String(d.message)}]\n`);
  if (event.kind !== 'claude') return;
  if (d.type === 'stream_event') {
    const e = d.event as { type: string; delta?: { type: string; text?: string } };
    if (e.type === 'content_block_delta' && e.delta?.type === 'text_delta')
      process.stdout.write(e.delta.text ?? '');
  } else if (d.type === 'assistant') {
    const blocks = (d.message as { content: Array<Record<string, unknown>> }).content;
    for (const b of blocks)
      if (b.type === 'tool_use')
        process.stdout.write(`\n   [tool ${String(b.name)}: ${JSON.stringify(b.input)}]\n`);
  } else if (d.type === 'user') {
    const blocks = (d.message as { content: Array<Record<string, unknown>> | string }).content;
    if (Array.isArray(blocks)) {
      for (const b of blocks)
        if (b.type === 'tool_result')
          process.stdout.write(`   [tool result: ${JSON.stringify(b.content).slice(0, 120)}]\n`);
    }
  } else if (d.type === 'result') {
    process.stdout.write(
      `\n   [result: ${String(d.subtype)}, cost $${String(d.total_cost_usd)}]\n`,
    );
  }
}
