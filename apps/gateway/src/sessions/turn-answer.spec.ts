import { answerTurn } from './turn-answer';

/** The texts a model reads first from a turn tool, for each way a turn can end. */
describe('answerTurn', () => {
  const id = 'sess-1';
  const result = (fields: Record<string, unknown>) => ({ type: 'result' as const, ...fields });

  it('a queued turn says how to follow it', () => {
    expect(answerTurn({ status: 'queued' }, id, 3)).toEqual({
      text: expect.stringMatching(
        /^Queued turn 3 of session sess-1\. Follow it with session_events/,
      ),
    });
  });

  it('a wait that ended first gives the cursor to go on from', () => {
    const { text, isError } = answerTurn({ status: 'running', events: '17-0' }, id, 2);
    expect(isError).toBeUndefined();
    expect(text).toMatch(
      /is still running: .*session_events \{ sessionId: "sess-1", after: "17-0" \}/,
    );
  });

  it('a terminated session is an error that says to start another', () => {
    expect(answerTurn({ status: 'terminated' }, id, 2)).toEqual({
      isError: true,
      text: expect.stringMatching(/was terminated during turn 2; .*session_start/),
    });
  });

  it('limits and refused credentials say what to change', () => {
    const maxTurns = answerTurn(
      { status: 'idle', result: result({ subtype: 'error_max_turns', is_error: true }) },
      id,
      2,
    );
    expect(maxTurns.isError).toBe(true);
    expect(maxTurns.text).toMatch(/maxTurns limit .* higher maxTurns/);
    const refused = answerTurn(
      {
        status: 'idle',
        result: result({
          subtype: 'success',
          is_error: true,
          api_error_status: 401,
          result: 'Invalid API key',
        }),
      },
      id,
      1,
    );
    expect(refused.text).toMatch(
      /answered 401: Invalid API key\. .*ANTHROPIC_API_KEY .*on the workers/,
    );
  });

  it('a worker’s error ends in one full stop, then what to do', () => {
    const { text } = answerTurn(
      { status: 'failed', error: 'the CLI exited (code 1)', errorCode: 'cli_failed' },
      id,
      2,
    );
    expect(text).toMatch(
      /^Turn 2 of session sess-1 failed\. The CLI exited \(code 1\)\. The session takes the next message: send it again with session_send/,
    );
  });

  it('an error event beside a good result (a checkpoint retry) does not fail the turn', () => {
    const answer = answerTurn(
      {
        status: 'idle',
        result: result({ is_error: false, result: 'Done.' }),
        error: 'checkpoint not stored yet',
        errorCode: 'checkpoint_failed',
      },
      id,
      1,
    );
    expect(answer.isError).toBeUndefined();
    expect(answer.text).toMatch(
      /^Done\.\n\n\[turn 1 of session sess-1: idle; it takes the next message/,
    );
  });
});
