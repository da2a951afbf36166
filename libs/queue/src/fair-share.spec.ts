import { PRIORITY_LIMIT } from 'bullmq';
import { fairPriority } from './fair-share';

describe('fairPriority', () => {
  it("is the turn's place in its tenant's backlog", () => {
    expect(fairPriority(1)).toBe(1);
    expect(fairPriority(37)).toBe(37);
  });

  it('never goes ahead of the queued turn before it in its session', () => {
    expect(fairPriority(2, 9)).toBe(9);
    expect(fairPriority(9, 2)).toBe(9);
  });

  it('stays within what BullMQ takes, and never 0 (which would run before every prioritized job)', () => {
    expect(fairPriority(0)).toBe(1);
    expect(fairPriority(Number.NaN)).toBe(1);
    expect(fairPriority(2.5)).toBe(2);
    expect(fairPriority(PRIORITY_LIMIT + 10)).toBe(PRIORITY_LIMIT);
    expect(fairPriority(1, PRIORITY_LIMIT * 2)).toBe(PRIORITY_LIMIT);
  });
});
