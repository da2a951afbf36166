import type { SessionEvent } from '@app/contracts';
import { toolsStarted, unsafeToRepeat } from './turn-recovery';

const assistant = (...content: unknown[]): SessionEvent => ({
  id: '1-1',
  seq: 1,
  turn: 2,
  kind: 'claude',
  ts: 0,
  data: { type: 'assistant', message: { role: 'assistant', content } },
});
const tool = (name: string) => ({ type: 'tool_use', id: `toolu_${name}`, name, input: {} });

describe('turn recovery rule', () => {
  it('lists the tools a turn started, from its assistant lines only', () => {
    const events: SessionEvent[] = [
      assistant({ type: 'text', text: 'let me look' }, tool('Read')),
      { ...assistant(tool('Bash')), kind: 'stderr' },
      assistant(tool('Edit'), tool('Bash')),
    ];
    expect(toolsStarted(events)).toEqual(['Read', 'Edit', 'Bash']);
  });

  it('re-runs turns that only read and edited the workspace (the restore undoes edits)', () => {
    expect(
      unsafeToRepeat([assistant(tool('Read'), tool('Grep')), assistant(tool('Write'))]),
    ).toEqual([]);
    expect(unsafeToRepeat([])).toEqual([]);
  });

  it('refuses turns that ran a command, an MCP tool, or a tool it does not know', () => {
    expect(
      unsafeToRepeat([
        assistant(tool('Read'), tool('Bash')),
        assistant(tool('mcp__deploy__release'), tool('Bash'), tool('FutureTool')),
      ]),
    ).toEqual(['Bash', 'mcp__deploy__release', 'FutureTool']);
  });
  it('re-runs a turn whose command was still waiting for approval, or was denied: it never ran', () => {
    const event = (kind: SessionEvent['kind'], data: unknown): SessionEvent => ({
      ...assistant(),
      kind,
      data,
    });
    const asked = (requestId: string, toolUseId: string) =>
      event('permission_request', { requestId, tool: 'Bash', toolUseId });
    const resolved = (requestId: string, decision: string) =>
      event('permission_resolved', { requestId, decision, by: 'client' });
    const waiting = [assistant(tool('Read'), tool('Bash')), asked('r1', 'toolu_Bash')];
    expect(unsafeToRepeat(waiting)).toEqual([]);
    expect(unsafeToRepeat([...waiting, resolved('r1', 'deny')])).toEqual([]);
    expect(unsafeToRepeat([...waiting, resolved('r1', 'allow')])).toEqual(['Bash']);
    expect(unsafeToRepeat([...waiting, resolved('r1', 'allow_session')])).toEqual(['Bash']);
  });
});
