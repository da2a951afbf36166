/**
 * Drift test: the same conversations through the real `claude` CLI (offline, against the local
 * Messages stub) and through the simulator (libs/testing/fake-claude). Compared per stdout line:
 * the sequence of (type, subtype, stream event type) and the field names of the line, of
 * `message` (assistant/user), of `event` (stream_event) and of `usage` (result). Values (ids,
 * texts, timings) may differ. When this fails after a CLI upgrade, fix the simulator and its
 * README's list of differences, not this test.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  claudeBinaryPath,
  offlineCliEnv,
  startMessagesStub,
  type MessagesStub,
} from '../libs/testing/src/messages-stub';
import {
  BASE_ARGS,
  CASES,
  USAGE_CASES,
  type DriftCase,
} from '../libs/testing/fake-claude/drift-cases';
import { collapseDeltaRuns, shapeOf } from '../libs/testing/fake-claude/message-shape';
import {
  FAKE_CLAUDE_BIN,
  makeSandbox,
  runCli,
  type CliMessage,
  type CliRun,
  type CliSandbox,
  type RunCliOptions,
} from '../libs/testing/fake-claude/run-cli';

const REAL_BIN = claudeBinaryPath();

/*
 * Optional lines that depend on the environment rather than on the conversation are dropped from
 * both streams before comparing (the simulator never emits them): `rate_limit_event` appears only
 * when the API sends rate-limit headers (the stub sends none), `system/hook_*` only when hooks are
 * configured (the sandbox has none). Both are deliberate exclusions, not tolerance: every other
 * line must match one for one, in order.
 */
function isEnvironmentNoise(m: CliMessage): boolean {
  if (m.type === 'rate_limit_event') return true;
  return m.type === 'system' && typeof m.subtype === 'string' && m.subtype.startsWith('hook_');
}

const shapes = (run: CliRun) =>
  collapseDeltaRuns(run.messages.filter((m) => !isEnvironmentNoise(m)).map(shapeOf));

type Side = 'real' | 'fake';

interface SideRun {
  side: Side;
  sandbox?: CliSandbox;
  args: string[];
  input?: RunCliOptions['input'];
  fakeEnv?: Record<string, string>;
  onLine?: RunCliOptions['onLine'];
}

/**
 * Both binaries get the same clean offline environment (so init fields derived from it agree);
 * the simulator additionally gets its FAKE_CLAUDE_* knobs, which the real CLI never sees.
 */
async function runSide(
  stub: MessagesStub,
  o: SideRun,
): Promise<{ run: CliRun; sandbox: CliSandbox }> {
  const sandbox = o.sandbox ?? makeSandbox(`drift-${o.side}-`);
  const base = offlineCliEnv({
    baseUrl: stub.url,
    home: sandbox.home,
    configDir: sandbox.configDir,
  });
  const env = o.side === 'fake' ? { ...base, ...o.fakeEnv } : base;
  const bin = o.side === 'real' ? REAL_BIN : FAKE_CLAUDE_BIN;
  const run = await runCli({
    bin,
    args: o.args,
    cwd: sandbox.cwd,
    env,
    input: o.input,
    onLine: o.onLine,
  });
  return { run, sandbox };
}

/** @param c the conversation; `extra` appends arguments (e.g. --resume) */
function sideOf(side: Side, c: DriftCase, extra: string[] = [], sandbox?: CliSandbox): SideRun {
  const fakeEnv = { FAKE_CLAUDE_SCENARIO: c.scenario, ...c.fakeEnv };
  return { side, sandbox, args: [...BASE_ARGS, ...c.args, ...extra], input: c.prompts, fakeEnv };
}

describe('simulator drift against the real claude CLI', () => {
  let stub: MessagesStub;
  const sandboxes: CliSandbox[] = [];
  const run = async (o: SideRun) => {
    const result = await runSide(stub, o);
    sandboxes.push(result.sandbox);
    return result;
  };

  beforeAll(async () => {
    // A devDependency: without it the comparison is meaningless, so fail loudly rather than skip.
    expect(existsSync(REAL_BIN)).toBe(true);
    stub = await startMessagesStub();
  });

  afterAll(async () => {
    await stub?.close();
  });

  beforeEach(() => stub.reset());

  afterEach(() => {
    for (const sandbox of sandboxes.splice(0)) sandbox.remove();
  });

  it.each(CASES.map((c) => [c.name, c]))(
    '%s: same message sequence and field names',
    async (_name, c) => {
      stub.enqueue(...c.replies);
      const real = await run(sideOf('real', c));
      const fake = await run(sideOf('fake', c));
      expect(real.run.timedOut).toBe(false);
      expect(shapes(fake.run)).toEqual(shapes(real.run));
      expect(fake.run.exitCode).toBe(real.run.exitCode);
    },
  );

  it.each(USAGE_CASES.map((c) => [c.name, c]))(
    'usage error "%s": same stderr, exit code and stdout',
    async (_name, c) => {
      const outcome = async (side: Side) => {
        const { run: r, sandbox } = await run({ side, args: c.args, input: c.input });
        return {
          stderr: r.stderr.split(sandbox.root).join('<sandbox>'),
          exitCode: r.exitCode,
          // Result lines carry fresh uuids and sandbox paths: compare their shapes, and any
          // non-JSON stdout (e.g. --version) verbatim.
          stdout: shapes(r),
          plain: r.stdout.split('\n').filter((line) => !line.startsWith('{')),
        };
      };
      expect(await outcome('fake')).toEqual(await outcome('real'));
    },
  );

  it('interrupt mid-stream: control_response, salvaged text, interrupted user line, aborted result', async () => {
    const interrupted = new WeakSet<ChildProcess>();
    const interruptOnFirstDelta = (line: string, child: ChildProcess) => {
      if (!line.includes('"content_block_delta"') || interrupted.has(child)) return;
      interrupted.add(child);
      const request = {
        type: 'control_request',
        request_id: 'int-1',
        request: { subtype: 'interrupt' },
      };
      child.stdin?.write(`${JSON.stringify(request)}\n`);
    };
    // Slow streams on both sides, so the interrupt lands between two deltas.
    stub.enqueue({ text: 'one two three four five six seven eight nine ten', tokenDelayMs: 200 });
    const c: DriftCase = { ...CASES[0], args: ['--include-partial-messages'], scenario: 'slow' };
    const real = await run({ ...sideOf('real', c), onLine: interruptOnFirstDelta });
    const fake = await run({ ...sideOf('fake', c), onLine: interruptOnFirstDelta });
    expect(shapes(fake.run)).toEqual(shapes(real.run));
    expect(fake.run.exitCode).toBe(real.run.exitCode);
  });

  it('resume: a second process appends to the same session the same way', async () => {
    const first: DriftCase = { ...CASES[0], prompts: ['First question.'] };
    const second: DriftCase = { ...CASES[0], prompts: ['Second question.'] };
    const real = await run(sideOf('real', first));
    const fake = await run(sideOf('fake', first));
    const realId = String(real.run.messages[0].session_id);
    const fakeId = String(fake.run.messages[0].session_id);
    const realAgain = await run(sideOf('real', second, [`--resume=${realId}`], real.sandbox));
    const fakeAgain = await run(sideOf('fake', second, [`--resume=${fakeId}`], fake.sandbox));
    expect(shapes(fakeAgain.run)).toEqual(shapes(realAgain.run));
    expect(realAgain.run.messages.every((m) => m.session_id === realId)).toBe(true);
    expect(fakeAgain.run.messages.every((m) => m.session_id === fakeId)).toBe(true);
  });
});
