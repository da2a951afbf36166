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
});
