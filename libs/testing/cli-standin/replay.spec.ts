/**
 * What keeps the stand-in honest: for every recording in test/fixtures/cli, run as the real CLI
 * was (same arguments, one user line per recorded turn), its stdout equals the recording line for
 * line once UUIDs are mapped back through one consistent bijection; so do its stderr, exit code
 * and the transcript it writes. When a recording is re-made (a CLI upgrade), this still holds
 * with no change to the stand-in unless the CLI's turn structure itself changed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeCliSandbox, type CliSandbox } from '../src/messages-stub';
import { buildCliStandin, RECORDINGS_DIR } from './build';
import { firstDifference, StandinProcess, UuidBijection } from './standin-process';

const RECORDINGS = readdirSync(RECORDINGS_DIR)
  .filter((n) => n.endsWith('.jsonl') && !n.endsWith('.transcript.jsonl'))
  .map((n) => n.slice(0, -'.jsonl'.length))
  .sort();

const read = (file: string) => readFileSync(join(RECORDINGS_DIR, file), 'utf8');
const readIf = (file: string) => (existsSync(join(RECORDINGS_DIR, file)) ? read(file) : undefined);

interface Meta {
  args: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

let bin: string;
let sandbox: CliSandbox;

beforeAll(async () => {
  bin = await buildCliStandin();
});
beforeEach(() => (sandbox = makeCliSandbox('standin-')));
afterEach(() => sandbox.remove());

it('has the recordings the stand-in relies on', () => {
  expect(RECORDINGS).toEqual(
    expect.arrayContaining(['text', 'long_text', 'interrupt', 'resume_missing']),
  );
});

it.each(RECORDINGS)(
  'replays %s as recorded: stdout, stderr, exit code, transcript',
  async (name) => {
    const recorded = read(`${name}.jsonl`);
    const meta = JSON.parse(read(`${name}.meta.json`)) as Meta;
    const turns = recorded.split('\n').filter((l) => l && JSON.parse(l).type === 'result').length;
    const proc = StandinProcess.start(bin, meta.args, sandbox, { CLI_STANDIN_RECORDING: name });
    for (let i = 0; i < turns; i++) proc.send(`turn ${i + 1}`);
    proc.end();
    const exit = await proc.exited;

    const ids = new UuidBijection();
    const stdout = `${proc.lines.join('\n')}\n`;
    expect(firstDifference(`${name}.jsonl`, recorded, stdout, ids)).toBeUndefined();
    expect(
      firstDifference(`${name}.stderr`, readIf(`${name}.stderr`) ?? '', proc.stderr, ids),
    ).toBeUndefined();
    expect(exit).toEqual({ code: meta.exitCode, signal: meta.signal });

    const transcript = readIf(`${name}.transcript.jsonl`);
    if (transcript !== undefined) {
      const sessionId = proc.messages()[0].session_id as string;
      const slug = sandbox.cwd.replace(/[^A-Za-z0-9]/g, '-');
      const written = readFileSync(
        join(sandbox.configDir, 'projects', slug, `${sessionId}.jsonl`),
        'utf8',
      );
      expect(firstDifference(`${name}.transcript.jsonl`, transcript, written, ids)).toBeUndefined();
    }
    // Fresh ids everywhere; only an id given on the command line (--resume) is kept.
    const kept = [...ids.forward].filter(([from, to]) => from === to).map(([id]) => id);
    expect(kept).toEqual(meta.args.filter((a) => kept.includes(a)));
    expect(ids.forward.size).toBeGreaterThan(0);
  },
);
