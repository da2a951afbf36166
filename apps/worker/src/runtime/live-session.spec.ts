import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClaudeProcess } from '@app/claude';
import type { NewSessionEvent } from '@app/contracts';
import { logFieldsMixin, withLogFields } from '@app/logging';
import type { EventSink } from '@app/stream';
import { eventually } from '@app/testing/eventually';
import { buildCliStandin } from '../../../../libs/testing/cli-standin/build';
import { CliExitedMidTurn, LiveSession } from './live-session';

/** A sink that keeps what it is given and can be made to push back. */
class RecordingSink implements EventSink {
  readonly events: NewSessionEvent[] = [];
  full = false;
  private release?: () => void;

  push(event: NewSessionEvent): boolean {
    this.events.push(event);
    return !this.full;
  }
  waitForCapacity(): Promise<void> {
    return new Promise((resolve) => (this.release = resolve));
  }
  /** Takes the back-pressure away and wakes a waiting reader. */
  drain(): void {
    this.full = false;
    this.release?.();
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  lineTypes(): string[] {
    return this.events.map((e) => (e.data as { type?: string }).type ?? e.kind);
  }
}

/** LiveSession over a real process: the CLI stand-in replaying the real CLI's recordings. */
describe('LiveSession (CLI stand-in)', () => {
  let binary: string;
  let dir: string;
  const sessions: LiveSession[] = [];
  beforeAll(async () => {
    binary = await buildCliStandin();
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'live-'))));
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.process.terminate(1_000).then(() => s.done)));
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (sink = new RecordingSink()) => {
    const process = await ClaudeProcess.start({
      binary,
      workspaceDir: join(dir, 'ws'),
      configDir: join(dir, 'cfg'),
      flags: { includePartialMessages: true },
      env: { PATH: '/usr/bin:/bin' },
      envOverrides: { HOME: join(dir, 'home') },
    });
    const session = new LiveSession('s-1', process, sink);
    sessions.push(session);
    return { session, sink };
  };

  it('runs turns one at a time, every line an event of its turn, cost per turn', async () => {
    const { session, sink } = await start();
    const first = session.runTurn(1, '[[standin recording=tool_use]] go');
    const second = session.runTurn(2, '[[standin recording=text]] again');
    const [r1, r2] = await Promise.all([first, second]);
    expect(r1.subtype).toBe('success');
    expect(r2.result).toBe('Hello from the stub model.');
    expect(session.busy).toBe(false);
    expect(session.claudeSessionId).toBe(r2.session_id);
    const byTurn = (t: number) => sink.events.filter((e) => e.turn === t);
    // One at a time: every line of turn 1 before the first of turn 2.
    expect(sink.events.map((e) => e.turn)).toEqual([
      ...byTurn(1).map(() => 1),
      ...byTurn(2).map(() => 2),
    ]);
    expect(byTurn(1).every((e) => e.kind === 'claude' && typeof e.json === 'string')).toBe(true);
    expect(byTurn(1).at(-1)?.data).toMatchObject({ type: 'result', num_turns: 2 });
    expect(byTurn(2).at(-1)?.data).toMatchObject({ type: 'result' });
    // The CLI reports a running total per process; each turn is charged its own share.
    const total = (r: typeof r1) => r.total_cost_usd ?? 0;
    expect(session.costOf(r1)).toBeCloseTo(total(r1));
    expect(session.costOf(r2)).toBeCloseTo(total(r2) - total(r1));
  });

  it("runs what a turn's lines do in that turn's scope, though an earlier one started the CLI", async () => {
    const { session } = await start(); // outside any turn, as the turn runner starts it
    const seen: Array<{ turn: unknown; type: string }> = [];
    const watch = (message: { type: string }) =>
      seen.push({ turn: logFieldsMixin().turn, type: message.type });
    await withLogFields({ turn: 1 }, () =>
      session.runTurn(1, '[[standin recording=text]] one', watch),
    );
    await withLogFields({ turn: 2 }, () =>
      session.runTurn(2, '[[standin recording=text]] two', watch),
    );
    const turns = [...new Set(seen.map((s) => s.turn))];
    expect(turns).toEqual([1, 2]);
    // Each turn's own lines, up to its result, in its own scope.
    const firstResult = seen.findIndex((s) => s.type === 'result');
    expect(seen.slice(0, firstResult + 1).every((s) => s.turn === 1)).toBe(true);
    expect(seen.slice(firstResult + 1).every((s) => s.turn === 2)).toBe(true);
  });

  it('ends the running turn on interrupt, and takes the next one', async () => {
    const { session, sink } = await start();
    const turn = session.runTurn(1, '[[standin recording=long_text pace_ms=20]] count');
    await eventually('a few lines of the turn', () => sink.events.length > 5);
    await session.interrupt();
    const result = await turn;
    expect(result).toMatchObject({ subtype: 'error_during_execution', is_error: true });
    expect(sink.lineTypes()).toContain('control_response');
    expect((await session.runTurn(2, '[[standin recording=text]] next')).is_error).toBe(false);
  });

  it('rejects the turn when the CLI dies mid-turn, with how it ended', async () => {
    const { session } = await start();
    const error = await session
      .runTurn(1, '[[standin recording=long_text fault=crash after=3]] go')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliExitedMidTurn);
    expect((error as CliExitedMidTurn).exit.signal).toBe('SIGKILL');
    expect(session.busy).toBe(false);
  });

  it('stops reading while the sink is full, and reads on once it drains', async () => {
    const sink = new RecordingSink();
    sink.full = true;
    const { session } = await start(sink);
    const turn = session.runTurn(1, '[[standin recording=long_text]] go');
    await eventually('the first line', () => sink.events.length === 1);
    // The stand-in writes the turn's transcript just before its result line: by then the whole
    // turn is in the pipe. A reader that did not pause would take it within a few ms, so a short
    // look (nothing can be awaited for "did not read") shows the pause.
    await eventually('the turn to be written', () => transcriptWritten(join(dir, 'cfg')));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.events).toHaveLength(1);
    sink.drain();
    expect((await turn).is_error).toBe(false);
    expect(sink.events.length).toBeGreaterThan(100);
  });
});

function transcriptWritten(configDir: string): boolean {
  const files = readdirSync(configDir, { recursive: true, encoding: 'utf8' });
  return files.some((f) => f.endsWith('.jsonl'));
}
