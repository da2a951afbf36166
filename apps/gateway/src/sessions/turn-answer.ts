import { reportedErrors } from '@app/contracts';
import type { ToolAnswer } from '../mcp/toolset';
import type { TurnAnswerFields } from './session.outputs';

/** A turn tool's structuredContent, whichever tool answered (start names no turn: it is the first). */
export type TurnShown = Omit<TurnAnswerFields, 'turn'>;

/** The answers the model's client reads at most from a turn's result, before the status line. */
const MAX_DETAIL_CHARS = 1_000;

/**
 * What a turn tool's answer says first: the turn's own answer text and a one-line status, or,
 * when the turn failed, what failed and what to do (a tool error, so a model does not take an
 * error text for Claude's answer). The whole CLI result stays in structuredContent.
 */
export function answerTurn(shown: TurnShown, sessionId: string, turn: number): ToolAnswer {
  const where = `turn ${turn} of session ${sessionId}`;
  switch (shown.status) {
    case 'queued':
      return {
        text:
          `Queued ${where}. Follow it with session_events { sessionId: "${sessionId}"` +
          (shown.events ? `, after: "${shown.events}"` : '') +
          ', waitMs } ' +
          '(long-polls) or session_status; call with wait: true to get the answer in the call.',
      };
    case 'waiting':
      return { text: shown.message ?? `${capital(where)} waits for a permission answer.` };
    case 'running':
      return {
        text:
          `${capital(where)} is still running: this call stopped waiting before it ended. ` +
          `Follow it with session_events { sessionId: "${sessionId}"` +
          (shown.events ? `, after: "${shown.events}"` : '') +
          ' } (waitMs long-polls), or poll session_status.',
      };
    case 'terminated':
      return {
        isError: true,
        text:
          `Session ${sessionId} was terminated during turn ${turn}; it takes no more messages. ` +
          'Start a new session with session_start (checkpointId forks one of its checkpoints).',
      };
  }
  const failure = turnFailure(shown);
  if (failure) {
    return {
      isError: true,
      text: `${capital(where)} failed. ${capital(failure)}\n\n${statusLine(shown, where)}`,
    };
  }
  const answer = shown.result?.result?.trim();
  return {
    text:
      (answer ? answer : 'Claude ended the turn without a text answer.') +
      `\n\n${statusLine(shown, where)}`,
  };
}

/** What failed and what to do, or undefined for a turn that ended well. */
export function turnFailure(shown: TurnShown): string | undefined {
  const result = shown.result;
  if (shown.status !== 'failed' && result?.is_error !== true) return undefined;
  // The worker's explanation wins where it has one for this failure (a crashed or lost turn, a
  // CLI without credentials); an error event beside a result (a checkpoint retry) is not one.
  const explained =
    shown.status === 'failed' ||
    shown.errorCode === 'no_credentials' ||
    shown.errorCode === 'budget_exceeded';
  if (shown.error && explained) return `${sentence(shown.error)}${todoAfterWorkerError(shown)}`;
  if (result?.is_error) return resultFailure(result);
  return (
    'the turn failed and no cause was recorded. Read its events with session_events; send the ' +
    'message again with session_send to retry from the last checkpoint.'
  );
}

/** The worker's own error texts that say what to do already; the others get the retry advice. */
const SELF_EXPLAINED = new Set([
  'no_credentials',
  'turn_lost',
  'turn_crashed',
  'turns_lost',
  'budget_exceeded',
]);

function todoAfterWorkerError(shown: TurnShown): string {
  if (shown.errorCode && SELF_EXPLAINED.has(shown.errorCode)) return '';
  return (
    ' The session takes the next message: send it again with session_send to retry from the ' +
    'last checkpoint.'
  );
}

/** A `result` line with `is_error: true`, whatever its subtype (an API 529 reads "success"). */
function resultFailure(result: NonNullable<TurnShown['result']>): string {
  const detail = clip(
    typeof result.result === 'string' && result.result
      ? result.result
      : (stringList(result.errors) ?? ''),
  );
  const status = typeof result.api_error_status === 'number' ? result.api_error_status : undefined;
  if (status !== undefined) {
    const type = typeof result.api_error_type === 'string' ? ` (${result.api_error_type})` : '';
    return `the Anthropic API answered ${status}${type}: ${sentence(detail || 'no detail')} ${apiAdvice(status)}`;
  }
  switch (result.subtype) {
    case 'error_max_turns':
      return (
        'Claude reached the session’s maxTurns limit before it finished. Send a follow-up with ' +
        'session_send to let it go on, or start a session with a higher maxTurns.'
      );
    case 'error_max_budget_usd':
      return (
        'the turn reached its spending limit before it finished. Raise the budget, or send a ' +
        'follow-up with session_send to go on.'
      );
    case 'error_during_execution':
      return (
        'the turn stopped before it finished' +
        (detail ? `: ${sentence(detail)}` : ' (it was interrupted, or the CLI hit an error).') +
        ' The session takes the next message: send it with session_send.'
      );
  }
  return (
    `the CLI ended the turn with an error (${result.subtype ?? 'no subtype'})` +
    `${detail ? `: ${sentence(detail)}` : '.'} Send the message again with session_send to retry.`
  );
}

function apiAdvice(status: number): string {
  if (status === 401 || status === 403) {
    return (
      'The Anthropic credentials of the workers were refused: the operator must check ' +
      'ANTHROPIC_API_KEY (or ANTHROPIC_BASE_URL for a gateway) on the workers; nothing in the ' +
      'session needs to change.'
    );
  }
  if (status === 429 || status === 529 || status >= 500) {
    return (
      'The API is overloaded or rate-limited right now; this is temporary: send the message ' +
      'again with session_send in a minute.'
    );
  }
  return (
    'The API refused the request: check the model name and the size of the message, then send ' +
    'it again with session_send.'
  );
}

/** One line saying where the session stands after the turn. */
function statusLine(shown: TurnShown, where: string): string {
  const result = shown.result;
  const figures: string[] = [];
  if (typeof result?.num_turns === 'number') {
    figures.push(`${result.num_turns} model call${result.num_turns === 1 ? '' : 's'}`);
  }
  if (typeof result?.total_cost_usd === 'number') {
    figures.push(`$${result.total_cost_usd.toFixed(4)}`);
  }
  const next =
    shown.status === 'idle'
      ? 'it takes the next message (session_send)'
      : 'send a message to retry (session_send)';
  return `[${where}: ${shown.status}${figures.length ? `, ${figures.join(', ')}` : ''}; ${next}]`;
}

/** The result's errors a client can read (the CLI's own diagnostics left out). */
function stringList(value: unknown): string | undefined {
  const texts = reportedErrors(value);
  return texts.length ? texts.join('; ') : undefined;
}

function clip(text: string): string {
  return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)}…` : text;
}

/** Ends a quoted text with exactly one full stop. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
