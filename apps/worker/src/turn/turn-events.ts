import type { NewSessionEvent } from '@app/contracts';
import type { ClaudeExit, ParsedLine } from '@app/claude';

/** A CLI stdout line as an event: `claude` carries the line unchanged, bad lines become `parse_error`. */
export function lineEvent(line: ParsedLine, turn: number): NewSessionEvent {
  return line.kind === 'message'
    ? { turn, kind: 'claude', data: line.message, json: line.raw }
    : { turn, kind: 'parse_error', data: line.error };
}

export const statusEvent = (
  turn: number,
  status: string,
  detail?: Record<string, unknown>,
): NewSessionEvent => ({
  turn,
  kind: 'status',
  data: { status, ...detail },
});

export const errorEvent = (
  turn: number,
  code: string,
  message: string,
  detail?: Record<string, unknown>,
): NewSessionEvent => ({
  turn,
  kind: 'error',
  data: { code, message, ...detail },
});

/** How a CLI that stopped without finishing its turn is described to the client. */
export function exitDetail(exit: ClaudeExit): Record<string, unknown> {
  return {
    exitCode: exit.code,
    signal: exit.signal,
    reason: exit.reason,
    // The session limit that stopped it (memory, disk...), when one did.
    ...(exit.limit ? { limit: exit.limit } : {}),
    stderrTail: exit.stderr.slice(-2_000),
  };
}
