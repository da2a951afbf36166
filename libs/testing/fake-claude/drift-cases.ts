import type { StubReply } from '../src/messages-stub';
import { STREAM_ARGS } from './run-cli';

/** The stream-json shape every drift run uses (the recorder's, test/fixtures/record-cli.ts). */
export const BASE_ARGS = STREAM_ARGS;

const bashEcho: StubReply = {
  text: 'I will run the command.',
  toolUse: { name: 'Bash', input: { command: 'echo hello', description: 'Print hello' } },
};

export interface DriftCase {
  name: string;
  args: string[];
  /** stdin lines: a string is a plain user message, an object is sent as JSON. */
  prompts: Array<string | Record<string, unknown>>;
  /** Stub script for the real CLI. */
  replies: StubReply[];
  /** The simulator's equivalent. */
  scenario: string;
  fakeEnv?: Record<string, string>;
}

export const CASES: DriftCase[] = [
  {
    name: 'text',
    args: [],
    prompts: ['Say hello.'],
    replies: [{ text: 'Hello from the stub model.' }],
    scenario: 'text',
  },
  {
    name: 'tool_use',
    args: ['--allowedTools', 'Bash'],
    prompts: ['Run echo hello.'],
    replies: [bashEcho, { text: 'The command printed hello.' }],
    scenario: 'tool_use',
  },
  {
    name: 'partial',
    args: ['--include-partial-messages', '--allowedTools', 'Bash'],
    prompts: ['Run echo hello.'],
    replies: [bashEcho, { text: 'The command printed hello.' }],
    scenario: 'tool_use',
  },
  {
    name: 'multi_turn',
    args: [],
    prompts: ['First question.', 'Second question.'],
    replies: [{ text: 'First answer.' }, { text: 'Second answer.' }],
    scenario: 'text',
  },
  {
    name: 'partial multi_turn',
    args: ['--include-partial-messages'],
    prompts: ['First question.', 'Second question.'],
    replies: [{ text: 'First answer.' }, { text: 'Second answer.' }],
    scenario: 'text',
  },
  {
    name: 'api_error',
    args: [],
    prompts: ['This request fails.'],
    // 403 rather than 400: 2.1.331 retries a 400 once, and the retry gets the stub's default
    // answer, so no error would be visible.
    replies: [{ error: { status: 403, message: 'stub: access to this model is denied' } }],
    scenario: 'api_error',
    fakeEnv: { FAKE_CLAUDE_API_STATUS: '403' },
  },
  {
    name: 'max_turns',
    args: ['--allowedTools', 'Bash', '--max-turns', '1'],
    prompts: ['Run echo hello.'],
    replies: [bashEcho],
    scenario: 'max_turns',
  },
  {
    name: 'replay and command_lifecycle',
    args: ['--replay-user-messages'],
    prompts: [
      {
        type: 'user',
        message: { role: 'user', content: 'With a uuid.' },
        uuid: '7e57f0a1-2222-4333-8444-555555555555',
      },
      'Without one.',
    ],
    replies: [{ text: 'First answer.' }, { text: 'Second answer.' }],
    scenario: 'text',
  },
  {
    name: 'uuid-tagged tool turn with partial messages',
    args: ['--include-partial-messages', '--allowedTools', 'Bash'],
    prompts: [
      {
        type: 'user',
        message: { role: 'user', content: 'Run echo hello.' },
        uuid: '7e57f0a1-2222-4333-8444-666666666666',
      },
    ],
    replies: [bashEcho, { text: 'The command printed hello.' }],
    scenario: 'tool_use',
  },
  {
    name: 'api_error with partial messages',
    args: ['--include-partial-messages'],
    prompts: ['This request fails.'],
    replies: [{ error: { status: 403, message: 'stub: access to this model is denied' } }],
    scenario: 'api_error',
    fakeEnv: { FAKE_CLAUDE_API_STATUS: '403' },
  },
  {
    name: 'thinking with partial messages',
    args: ['--include-partial-messages'],
    prompts: ['Think first.'],
    replies: [{ thinking: 'Let me think about this.', text: 'Answer.' }],
    scenario: 'thinking',
  },
  {
    name: 'thinking',
    args: [],
    prompts: ['Think first.'],
    replies: [{ thinking: 'Let me think about this.', text: 'Answer.' }],
    scenario: 'thinking',
  },
  {
    name: 'max_turns with partial messages',
    args: ['--include-partial-messages', '--allowedTools', 'Bash', '--max-turns', '1'],
    prompts: ['Run echo hello.'],
    replies: [bashEcho],
    scenario: 'max_turns',
  },
];

/** Argument and input errors: stderr text, exit code and stdout lines must match exactly. */
export const USAGE_CASES: Array<{
  name: string;
  args: string[];
  input?: Array<string | Record<string, unknown>>;
}> = [
  { name: 'stream-json without --verbose', args: ['-p', 'hi', '--output-format', 'stream-json'] },
  { name: 'stream-json input, text output', args: ['-p', 'hi', '--input-format', 'stream-json'] },
  {
    name: 'partial messages with json output',
    args: ['-p', 'hi', '--include-partial-messages', '--output-format', 'json'],
  },
  { name: 'invalid --session-id', args: [...BASE_ARGS, '--session-id', 'xyz'] },
  {
    name: '--session-id with --resume, no fork',
    args: [
      ...BASE_ARGS,
      '--session-id',
      '11111111-2222-4333-8444-777777777777',
      '--resume',
      '11111111-2222-4333-8444-777777777777',
    ],
  },
  { name: 'unknown option', args: [...BASE_ARGS, '--bogus'] },
  { name: 'boolean option with =value', args: [...BASE_ARGS, '--verbose=1'] },
  { name: 'missing option argument', args: [...BASE_ARGS, '--model'] },
  { name: 'bad --max-turns', args: [...BASE_ARGS, '--max-turns', 'abc'] },
  { name: 'bad --permission-mode', args: [...BASE_ARGS, '--permission-mode', 'foo'] },
  { name: 'bad --output-format', args: ['-p', 'hi', '--output-format=weird'] },
  { name: 'bad --setting-sources', args: [...BASE_ARGS, '--setting-sources', 'user,foo'] },
  { name: 'missing --settings file', args: [...BASE_ARGS, '--settings', 'nope.json'] },
  { name: 'no prompt in print mode', args: ['-p', '--output-format', 'stream-json', '--verbose'] },
  { name: 'version', args: ['--version', '--bogus'] },
  {
    name: 'unknown --resume id',
    args: [...BASE_ARGS, '--resume=11111111-2222-4333-8444-777777777777'],
    input: ['hi'],
  },
  { name: 'non-UUID --resume', args: [...BASE_ARGS, '--resume', 'not-a-uuid'], input: ['hi'] },
  { name: 'stdin line that is not JSON', args: BASE_ARGS, input: [{ raw: 'not json' }] },
  {
    name: 'stdin message with role assistant',
    args: BASE_ARGS,
    input: [{ type: 'user', message: { role: 'assistant', content: 'x' } }],
  },
];
