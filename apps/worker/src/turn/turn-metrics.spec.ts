import { turnEndOf } from './turn-metrics';

describe('turnEndOf', () => {
  it.each([
    [{ kind: 'done', subtype: 'success', isError: false }, 'completed'],
    [{ kind: 'done', subtype: 'success', isError: true }, 'failed'],
    [{ kind: 'done', subtype: 'error_during_execution', isError: true }, 'interrupted'],
    [{ kind: 'failed', error: 'cli exited' }, 'failed'],
    [{ kind: 'handback' }, 'handed_back'],
    [{ kind: 'skipped', reason: 'lease lost' }, 'lost'],
  ] as const)('%j is %s', (outcome, end) => {
    expect(turnEndOf(outcome)).toBe(end);
  });
});
