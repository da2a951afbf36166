/**
 * The C stream simulator (libs/testing/stream-sim) against the Node simulator it stands in for
 * (libs/testing/fake-claude): the same conversation through both, compared per stdout line with
 * the drift test's shape comparison (type/subtype/event kind and field names), then by value
 * with ids, clocks and sandbox paths masked, then transcripts and --resume.
 *
 * Needs a C compiler: without `cc` the suite fails, unless STREAM_SIM_OPTIONAL=1 (then it is
 * reported as skipped, with a warning).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCliArgs, transcriptPath } from '@app/claude';
import { shapeOf } from '../libs/testing/fake-claude/message-shape';
import {
  FAKE_CLAUDE_BIN,
  fakeClaudeEnv,
  makeSandbox,
  parseMessages,
  runCli,
  type CliMessage,
  type CliRun,
  type CliSandbox,
} from '../libs/testing/fake-claude/run-cli';
import { buildStreamSim, StreamSimBuildError } from '../libs/testing/stream-sim/build';

const ARGS = buildCliArgs({ includePartialMessages: true }); // what the worker and the bench pass

const TEXT_A = 'alpha beta gamma delta epsilon';
const TEXT_B = ' one two  three\tfour five ';
const STOP_TEXT = 'a b c d e f g h i j';
/** Non-ASCII, JavaScript-only whitespace (NBSP, ideographic space) as word separators, an astral char. */
const TEXT_U = 'h\u00e9llo w\u00f6rld \u{1F600} a\u00a0b\u3000c \\ end';
const TAG = '0b7e4a52-3c1d-4e8f-9a6b-2d5c7e9f1a3b';
/** Index (0-based, counting results) of the turn that gets interrupted. */
const INTERRUPTED_TURN = 7;

/**
 * Initialize, warm-up, two slow turns, a uuid-tagged turn, defaults, an unknown directive,
 * Unicode (with a lone surrogate in the prompt), then a turn that gets `initialize` and `interrupt`.
 */
const CONVERSATION: Array<string | Record<string, unknown>> = [
  { type: 'control_request', request_id: 'init-1', request: { subtype: 'initialize' } },
  '[[fake:text text="ready"]] warm up',
  `[[fake:slow delay_ms=15 text="${TEXT_A}"]] go`,
  `[[fake:slow delay_ms=15 text="${TEXT_B}"]] again`,
  {
    type: 'user',
    uuid: TAG,
    message: { role: 'user', content: [{ type: 'text', text: '[[fake:text]] tagged' }] },
  },
  'no directive: the default answer',
  '[[fake:no_such_scenario]] unknown',
  `[[fake:text text="${TEXT_U}"]] unicode \ud800 "quoted" \u0001`,
  `[[fake:slow delay_ms=150 text="${STOP_TEXT}"]] interrupt me`,
];

const CC_PRESENT = !spawnSync('cc', ['--version'], { stdio: 'ignore' }).error;
const OPTIONAL = process.env.STREAM_SIM_OPTIONAL === '1';
if (!CC_PRESENT && OPTIONAL) {
  console.warn('stream-sim tests skipped: no C compiler `cc` on PATH (STREAM_SIM_OPTIONAL=1)');
}
const suite = !CC_PRESENT && OPTIONAL ? describe.skip : describe;

interface Side {
  run: CliRun;
  sandbox: CliSandbox;
  sessionId: string;
}

/** In the interrupted turn: `initialize` after its first delta, the interrupt after its third. */
function interrupter() {
  const state = new WeakMap<ChildProcess, { results: number; deltas: number }>();
  return (line: string, child: ChildProcess) => {
    const s = state.get(child) ?? { results: 0, deltas: 0 };
    state.set(child, s);
    if (line.includes('"type":"result"')) s.results += 1;
    if (s.results !== INTERRUPTED_TURN || !line.includes('"content_block_delta"')) return;
    s.deltas += 1;
    if (s.deltas !== 1 && s.deltas !== 3) return;
    const request =
      s.deltas === 1
        ? { type: 'control_request', request_id: 'init-2', request: { subtype: 'initialize' } }
        : { type: 'control_request', request_id: 'int-1', request: { subtype: 'interrupt' } };
    child.stdin?.write(`${JSON.stringify(request)}\n`);
  };
}

async function converse(
  bin: string,
  input: Array<string | Record<string, unknown>>,
  extraArgs: string[] = [],
  sandbox = makeSandbox('stream-sim-'),
  options: { args?: string[]; env?: Record<string, string> } = {},
): Promise<Side> {
  const run = await runCli({
    bin,
    args: [...(options.args ?? ARGS), ...extraArgs],
    cwd: sandbox.cwd,
    env: fakeClaudeEnv(sandbox, { FAKE_CLAUDE_STAMP: '1', ...options.env }),
    input,
    onLine: interrupter(),
  });
  const init = run.messages.find((m) => m.subtype === 'init');
  return { run, sandbox, sessionId: String(init?.session_id ?? '') };
}

const VOLATILE = new Set([
  'uuid',
  'session_id',
  'timestamp',
  'fake_sent_at',
  'duration_ms',
  'duration_api_ms',
  'ttft_ms',
  'ttft_stream_ms',
  'time_to_request_ms',
  'first_content_frame_ms',
  'request_sent_wall_ms',
  'pid',
  'messaging_socket_path',
  'totalDuration',
  'totalAPIDuration',
]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Values with clocks and fresh ids masked and the sandbox path replaced; uuids elsewhere
 * (parentUuid, leafUuid, promptId …) become `<uN>` by first appearance, so chains still compare.
 */
function normalize(value: unknown, sandbox: CliSandbox, ids = new Map<string, string>()): unknown {
  const slug = sandbox.root.replace(/[^A-Za-z0-9]/g, '-');
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (UUID.test(v) && v !== TAG) {
        if (!ids.has(v)) ids.set(v, `<u${ids.size}>`);
        return ids.get(v);
      }
      return v.split(sandbox.root).join('<root>').split(slug).join('<root-slug>');
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, VOLATILE.has(k) ? `<${typeof x}>` : walk(x)]),
      );
    }
    return v;
  };
  return walk(value);
}

/** The text deltas of each turn, joined (turns end at their result). */
function streamedTexts(messages: CliMessage[]): string[] {
  const texts: string[] = [''];
  for (const m of messages) {
    const event = m.event as { delta?: { type?: string; text?: string } } | undefined;
    if (m.type === 'stream_event' && event?.delta?.type === 'text_delta')
      texts[texts.length - 1] += event.delta.text ?? '';
    if (m.type === 'result') texts.push('');
  }
  return texts.slice(0, -1);
}

function transcriptOf(side: Side): Array<Record<string, unknown>> {
  const file = transcriptPath(side.sandbox.configDir, side.sandbox.cwd, side.sessionId);
  return parseMessages(readFileSync(file, 'utf8'));
}

/** Record kinds and field names (nested message fields too), like shapeOf for stdout. */
function recordShape(r: Record<string, unknown>) {
  const keys = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v).sort() : []);
  return { type: r.type, operation: r.operation, fields: keys(r), message: keys(r.message) };
}

suite('stream-sim (C) against fake-claude (Node)', () => {
  let bin: string;
  let node: Side;
  let c: Side;
  const sandboxes: CliSandbox[] = [];
  const keep = (side: Side) => (sandboxes.push(side.sandbox), side);

  beforeAll(async () => {
    if (!CC_PRESENT) {
      throw new Error(
        'stream-sim tests need a C compiler: `cc` is not on PATH. Install one (e.g. apt-get install gcc) ' +
          'or set STREAM_SIM_OPTIONAL=1 to skip this suite.',
      );
    }
    bin = await buildStreamSim();
    [node, c] = await Promise.all([
      converse(FAKE_CLAUDE_BIN, CONVERSATION).then(keep),
      converse(bin, CONVERSATION).then(keep),
    ]);
  }, 120_000);

  afterAll(() => {
    for (const sandbox of sandboxes) sandbox.remove();
  });

  it('runs the whole conversation', () => {
    for (const side of [node, c]) {
      expect(side.run.timedOut).toBe(false);
      expect(side.run.messages.filter((m) => m.type === 'result')).toHaveLength(
        CONVERSATION.length - 1,
      );
    }
    expect(c.run.stderr).toBe(node.run.stderr);
    expect(c.run.exitCode).toBe(node.run.exitCode);
  });

  it('prints the same line sequence with the same field names (drift-test shapes)', () => {
    // No collapsing of delta runs: both split the text into the same pieces.
    expect(c.run.messages.map(shapeOf)).toEqual(node.run.messages.map(shapeOf));
  });

  it('prints the same values apart from ids, clocks and sandbox paths', () => {
    const a = node.run.messages.map((m) => normalize(m, node.sandbox));
    const b = c.run.messages.map((m) => normalize(m, c.sandbox));
    for (let i = 0; i < a.length; i++)
      expect({ line: i, message: b[i] }).toEqual({ line: i, message: a[i] });
    expect(b).toHaveLength(a.length);
    for (const side of [node, c])
      expect(
        side.run.messages.every(
          (m) => m.type === 'control_response' || m.session_id === side.sessionId,
        ),
      ).toBe(true);
  });

  it('stamps every line, in order, and paces slow turns by delay_ms', () => {
    for (const side of [node, c]) {
      const stamps = side.run.messages.map((m) => m.fake_sent_at);
      expect(stamps.every((s) => typeof s === 'number' && s > 1.6e12)).toBe(true);
      const numbers = stamps as number[];
      for (let i = 1; i < numbers.length; i++)
        expect(numbers[i]).toBeGreaterThanOrEqual(numbers[i - 1]);
      // the first slow turn (delay_ms=15) starts after the warm-up's result reached us; its k-th
      // line (from 0) is due 15 × (k + 1) ms after that start (90%: Node's timers are coarse)
      const warmResult = side.run.messages.findIndex((m) => m.type === 'result');
      const slowEnd = side.run.messages.findIndex((m, i) => i > warmResult && m.type === 'result');
      expect(slowEnd - warmResult).toBeGreaterThan(9);
      for (let k = 0; warmResult + 1 + k <= slowEnd; k++)
        expect(numbers[warmResult + 1 + k] - numbers[warmResult]).toBeGreaterThanOrEqual(
          15 * (k + 1) * 0.9,
        );
      // every JSON line has the stamp as its last key
      const lines = side.run.stdout.split('\n').filter((l) => l.startsWith('{'));
      expect(lines.every((l) => /,"fake_sent_at":\d+(\.\d+)?}$/.test(l))).toBe(true);
    }
  });

  it('streams text deltas that join to the same texts', () => {
    const texts = streamedTexts(c.run.messages);
    expect(texts).toEqual(streamedTexts(node.run.messages));
    expect(texts.slice(0, 3)).toEqual(['ready', TEXT_A, TEXT_B]);
    expect(texts[INTERRUPTED_TURN - 1]).toBe(TEXT_U);
    expect(texts[INTERRUPTED_TURN]).toBe('a b c ');
  });

  it('ends an interrupted turn like fake-claude: receipt, salvaged text, aborted result', () => {
    for (const side of [node, c]) {
      const m = side.run.messages;
      const receipt = m.findIndex(
        (x) => (x.response as { request_id?: string })?.request_id === 'int-1',
      );
      expect(receipt).toBeGreaterThan(0);
      const after = m.slice(receipt + 1);
      expect(
        after.map((x) => [x.type, x.subtype ?? (x.event as { type?: string })?.type ?? '']),
      ).toEqual([
        ['assistant', ''],
        ['user', ''],
        ['stream_event', 'content_block_stop'],
        ['stream_event', 'message_delta'],
        ['stream_event', 'message_stop'],
        ['result', 'error_during_execution'],
      ]);
      expect(after[0]).toMatchObject({ aborted: true, message: { content: [{ text: 'a b c ' }] } });
      expect(after[5]).toMatchObject({ terminal_reason: 'aborted_streaming', is_error: true });
      const states = m
        .filter((x) => x.type === 'control_response')
        .map(
          (x) => (x.response as { response?: { session_state?: string } }).response?.session_state,
        );
      expect(states).toEqual(['idle', 'running', undefined]);
    }
  });

  it('writes the transcript at the same place with the same records, chained', () => {
    const records = [node, c].map((side) => {
      const file = transcriptPath(side.sandbox.configDir, side.sandbox.cwd, side.sessionId);
      expect(existsSync(file)).toBe(true);
      return transcriptOf(side);
    });
    expect(records[1].map(recordShape)).toEqual(records[0].map(recordShape));
    expect(normalize(records[1], c.sandbox)).toEqual(normalize(records[0], node.sandbox));
    let leaf: unknown = null;
    for (const r of records[1]) {
      if (!('parentUuid' in r)) continue;
      expect(r.parentUuid).toBe(leaf);
      expect(r.sessionId).toBe(c.sessionId);
      leaf = r.uuid;
    }
  });

  it('--resume continues the session like fake-claude, and each resumes the other’s transcript', async () => {
    const input = ['[[fake:slow delay_ms=5 text="resumed fine"]] second process', 'and again'];
    const before = transcriptOf(c);
    const leaf = [...before].reverse().find((r) => typeof r.uuid === 'string')?.uuid;
    const [nodeAgain, cAgain] = await Promise.all([
      converse(FAKE_CLAUDE_BIN, input, [`--resume=${node.sessionId}`], node.sandbox),
      converse(bin, input, [`--resume=${c.sessionId}`], c.sandbox),
    ]);
    expect(cAgain.run.exitCode).toBe(0);
    expect(cAgain.sessionId).toBe(c.sessionId);
    expect(cAgain.run.messages.every((m) => m.session_id === c.sessionId)).toBe(true);
    expect(cAgain.run.messages.map((m) => normalize(m, c.sandbox))).toEqual(
      nodeAgain.run.messages.map((m) => normalize(m, node.sandbox)),
    );
    const results = cAgain.run.messages.filter((m) => m.type === 'result');
    expect(results[1].result).toMatch(/^Fake reply 2\. Earlier user messages: \d+\.$/);
    const after = transcriptOf(c);
    expect(after.slice(0, before.length)).toEqual(before);
    const prompt = after.slice(before.length).find((r) => r.type === 'user');
    expect(prompt?.parentUuid).toBe(leaf);

    // Cross-resume: the transcripts are interchangeable.
    const [cOnNode, nodeOnC] = await Promise.all([
      converse(bin, ['cross'], [`--resume=${node.sessionId}`], node.sandbox),
      converse(FAKE_CLAUDE_BIN, ['cross'], [`--resume=${c.sessionId}`], c.sandbox),
    ]);
    expect(cOnNode.run.exitCode).toBe(0);
    expect(nodeOnC.run.exitCode).toBe(0);
    expect(normalize(cOnNode.run.messages, node.sandbox)).toEqual(
      normalize(nodeOnC.run.messages, c.sandbox),
    );
  });

  it('fails an unknown --resume id like fake-claude', async () => {
    const id = '6c1f0e2a-9b8d-4c7e-8f6a-5d4c3b2a1f0e';
    const [a, b] = await Promise.all([
      converse(FAKE_CLAUDE_BIN, ['hello'], [`--resume=${id}`]).then(keep),
      converse(bin, ['hello'], [`--resume=${id}`]).then(keep),
    ]);
    expect(b.run.exitCode).toBe(1);
    expect(b.run.exitCode).toBe(a.run.exitCode);
    expect(b.run.stderr).toBe(a.run.stderr);
    expect(normalize(b.run.messages, b.sandbox)).toEqual(normalize(a.run.messages, a.sandbox));
  });

  it('ends on a malformed input line like fake-claude (stderr, exit 1) and ignores blank lines', async () => {
    const input = [{ raw: '' }, { raw: '   ' }, { raw: '{"type":"user", oops' }];
    const [a, b] = await Promise.all([
      converse(FAKE_CLAUDE_BIN, input).then(keep),
      converse(bin, input).then(keep),
    ]);
    expect(b.run.exitCode).toBe(1);
    expect(b.run.stderr).toBe(a.run.stderr);
    expect(b.run.stdout).toBe(a.run.stdout);
  });

  it('answers unsupported control requests like fake-claude', async () => {
    const input = [
      {
        type: 'control_request',
        request_id: 7,
        request: { subtype: 'set_model', model: 'other-model' },
      },
      { type: 'control_request', request_id: 'x', request: { subtype: 'bogus' } },
      { type: 'control_request', request_id: 'y' },
      { type: 'keep_alive' },
      '[[fake:text text="after"]] hi',
    ];
    const [a, b] = await Promise.all([
      converse(FAKE_CLAUDE_BIN, input).then(keep),
      converse(bin, input).then(keep),
    ]);
    expect(normalize(b.run.messages, b.sandbox)).toEqual(normalize(a.run.messages, a.sandbox));
    expect(b.run.messages.find((m) => m.subtype === 'init')?.model).toBe('other-model');
  });

  it('matches without partial messages, with --session-id, env knobs and transcript padding', async () => {
    const id = '3e9b2f4c-7a1d-4c6e-b8f0-1a2b3c4d5e6f';
    const options = {
      args: buildCliArgs({ model: 'opus', permissionMode: 'acceptEdits' }),
      env: {
        FAKE_CLAUDE_TEXT: 'from the environment',
        FAKE_CLAUDE_TRANSCRIPT_PAD_BYTES: '1000',
        ANTHROPIC_API_KEY: 'sk-test',
        DISABLE_TELEMETRY: '1',
      },
    };
    const input = ['[[fake:slow delay_ms=5]] one', '[[fake:text text="two"]] two', 'three'];
    const [a, b] = await Promise.all([
      converse(FAKE_CLAUDE_BIN, input, [`--session-id=${id}`], undefined, options).then(keep),
      converse(bin, input, [`--session-id=${id}`], undefined, options).then(keep),
    ]);
    expect(b.sessionId).toBe(id);
    expect(b.run.exitCode).toBe(0);
    expect(b.run.messages.map(shapeOf)).toEqual(a.run.messages.map(shapeOf));
    expect(normalize(b.run.messages, b.sandbox)).toEqual(normalize(a.run.messages, a.sandbox));
    expect(normalize(transcriptOf(b), b.sandbox)).toEqual(normalize(transcriptOf(a), a.sandbox));
    // the id is now in use
    const again = await converse(bin, ['x'], [`--session-id=${id}`], b.sandbox);
    expect(again.run.exitCode).toBe(1);
    expect(again.run.stderr).toBe(`Error: Session ID ${id} is already in use.\n`);
    // without persistence nothing is written
    const quiet = await converse(bin, ['x'], ['--no-session-persistence']).then(keep);
    expect(quiet.run.exitCode).toBe(0);
    expect(existsSync(join(quiet.sandbox.configDir, 'projects'))).toBe(false);
  });

  it('compiles without warnings (-Wall -Wextra -Werror)', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'stream-sim-build-'));
    try {
      await expect(buildStreamSim({ cacheDir, extraFlags: ['-Werror'] })).resolves.toContain(
        cacheDir,
      );
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('names a missing compiler', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'stream-sim-build-'));
    try {
      const build = buildStreamSim({ cc: 'no-such-cc-for-stream-sim', cacheDir });
      await expect(build).rejects.toThrow(StreamSimBuildError);
      await expect(build).rejects.toThrow(/C compiler "no-such-cc-for-stream-sim" not found/);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
