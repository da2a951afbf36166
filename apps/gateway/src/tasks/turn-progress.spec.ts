import { turnProgressOf } from './turn-progress';

const event = (kind: string, data: unknown) =>
  JSON.stringify({ id: '1-0', seq: 1, turn: 2, kind, ts: 0, data });

describe('turnProgressOf', () => {
  it('names the tool a turn runs, with its command or file', () => {
    const bash = event('claude', {
      type: 'assistant',
      message: {
        content: [
          { type: 'text', text: 'Running the tests.' },
          { type: 'tool_use', name: 'Bash', input: { command: 'npm test', description: 'test' } },
        ],
      },
    });
    expect(turnProgressOf(bash)).toEqual({
      kind: 'message',
      statusMessage: 'running Bash: npm test',
    });
    const read = event('claude', {
      type: 'assistant',
      message: { content: [{ type: 'tool_use', name: 'Read', input: { file_path: 'src/a.ts' } }] },
    });
    expect(turnProgressOf(read)?.statusMessage).toBe('running Read: src/a.ts');
  });

  it('says "writing" for text, the status for status events, and ignores the rest', () => {
    const text = event('claude', {
      type: 'assistant',
      message: { content: [{ type: 'text', text: 'x' }] },
    });
    expect(turnProgressOf(text)?.statusMessage).toBe('writing');
    expect(turnProgressOf(event('status', { status: 'running' }))?.statusMessage).toBe(
      'turn running',
    );
    expect(turnProgressOf(event('claude', { type: 'stream_event' }))).toBeUndefined();
    expect(turnProgressOf('step 1 of 3')).toBeUndefined();
  });

  it('turns a permission prompt into input_required with a decision form, and its answer back', () => {
    const prompt = event('permission_request', {
      requestId: 'r1',
      tool: 'Bash',
      input: { command: 'rm -rf build' },
      suggestions: [],
      deadline: 0,
    });
    expect(turnProgressOf(prompt)).toMatchObject({
      kind: 'input_required',
      statusMessage: 'waiting for approval: Bash: rm -rf build',
      inputRequests: {
        r1: {
          method: 'elicitation/create',
          params: { mode: 'form', requestedSchema: { required: ['decision'] } },
        },
      },
    });
    expect(turnProgressOf(event('permission_resolved', { requestId: 'r1' }))?.kind).toBe('resumed');
  });

  it('keeps a status message short and on one line', () => {
    const long = event('claude', {
      type: 'assistant',
      message: {
        content: [
          { type: 'tool_use', name: 'Bash', input: { command: `echo\n${'x'.repeat(500)}` } },
        ],
      },
    });
    const message = turnProgressOf(long)?.statusMessage ?? '';
    expect(message.length).toBeLessThanOrEqual(120);
    expect(message).not.toContain('\n');
  });
});
