/**
 * Real transcripts for the checkpoint-cli benchmark: the installed `claude` CLI, one long-lived
 * process per session as the worker keeps it, answered by the Messages API stub. Each turn is a
 * Bash `echo` tool call then a reply of generated prose. After every turn's `result` the
 * transcript is read once it stops growing, as the worker checkpoints it; the snapshots after
 * the last two turns are kept, under bench/results/cli-transcripts/<case>/, and reused by later
 * runs (generation of the 20 MB one takes minutes).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { transcriptPath } from '@app/claude';
import {
  claudeBinaryPath,
  makeCliSandbox,
  type MessagesStub,
  type StubReply,
} from '@app/testing/messages-stub';
import { CliDriver, STREAM_ARGS } from './checkpoint-cli-driver';
import { prng, prose } from './checkpoint-cli-prose';

/** Bump when the way transcripts are made changes, so cached ones are regenerated. */
const GENERATOR_VERSION = 1;
export const CACHE_DIR = join(__dirname, 'results', 'cli-transcripts');

export interface TranscriptCase {
  id: string;
  label: string;
  /** Flags after STREAM_ARGS, for generation and for `--resume`. */
  flags: string[];
  /** Stop adding big turns once the transcript is this large. */
  targetBytes: number;
  /** Prose per turn before the last; the last turn is always a typical 30 kB one. */
  replyBytes: number;
  /** Without tools (the minimal case), turns are plain text. */
  tools: boolean;
  lastReplyBytes: number;
  /** At least this many turns (the minimal case: two short ones). */
  minTurns: number;
}

export interface CliTranscript {
  case: TranscriptCase;
  sessionId: string;
  /** After the last turn. */
  final: Buffer;
  /** After the turn before: a prefix of `final` when the CLI only appended. */
  previous: Buffer;
  meta: TranscriptMeta;
}

interface TranscriptMeta {
  version: number;
  /** The case it was made for: a changed case is made again. */
  case: string;
  cli: string;
  flags: string[];
  sessionId: string;
  turns: number;
  sizesAfterTurn: number[];
  finalBytes: number;
  previousBytes: number;
  previousIsPrefix: boolean;
  generatedMs: number;
  generatedAt: string;
}

const SHORT_TEXT = 220;
/** Token counts kept small: the stub's default (chars / 4) would make the CLI auto-compact. */
const USAGE = { input_tokens: 2_000, output_tokens: 400 };

export function cliVersion(): string {
  return execFileSync(claudeBinaryPath(), ['--version'], { encoding: 'utf8' }).trim();
}

/** The cached transcript of `c`, generated first when missing or made differently. */
export async function cliTranscript(
  c: TranscriptCase,
  stub: MessagesStub,
  version: string,
): Promise<CliTranscript & { cached: boolean }> {
  const dir = join(CACHE_DIR, c.id);
  const cached = readCached(dir, c, version);
  if (cached) return { ...cached, cached: true };
  const made = await generate(c, stub, version);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'previous.jsonl'), made.previous);
  writeFileSync(join(dir, 'final.jsonl'), made.final);
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(made.meta, null, 2));
  return { ...made, cached: false };
}

/** What the transcript is made from: the case without its label. */
function recipe(c: TranscriptCase): string {
  const { label: _label, ...made } = c;
  return JSON.stringify(made);
}

function readCached(dir: string, c: TranscriptCase, version: string): CliTranscript | undefined {
  const metaFile = join(dir, 'meta.json');
  if (!existsSync(metaFile)) return undefined;
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as TranscriptMeta;
  const same =
    meta.version === GENERATOR_VERSION && meta.cli === version && meta.case === recipe(c);
  if (!same) return undefined;
  try {
    const final = readFileSync(join(dir, 'final.jsonl'));
    const previous = readFileSync(join(dir, 'previous.jsonl'));
    if (final.length !== meta.finalBytes || previous.length !== meta.previousBytes)
      return undefined;
    return { case: c, sessionId: meta.sessionId, final, previous, meta };
  } catch {
    return undefined;
  }
}

function turnReplies(c: TranscriptCase, turn: number, text: number): StubReply[] {
  const reply: StubReply = { text: prose(text, 1000 + turn), usage: USAGE };
  if (!c.tools) return [reply];
  const random = prng(turn);
  const tag = Math.floor(random() * 2 ** 32).toString(16);
  const command = `echo "step ${turn} build ${tag} ok"`;
  return [
    {
      text: `Running step ${turn}.`,
      toolUse: { name: 'Bash', input: { command, description: `Echo step ${turn}` } },
      usage: USAGE,
    },
    reply,
  ];
}

async function generate(
  c: TranscriptCase,
  stub: MessagesStub,
  version: string,
): Promise<CliTranscript> {
  const started = performance.now();
  const sandbox = makeCliSandbox('cc-gen-');
  const cli = await CliDriver.start(stub.url, sandbox, [...STREAM_ARGS, ...c.flags]);
  try {
    let path = '';
    let sessionId = '';
    const sizes: number[] = [];
    const snapshots: Buffer[] = [];
    // Transcript bytes a turn adds beyond its prose; measured from the turns so far.
    let overhead = c.tools ? 8_000 : 3_000;
    for (let turn = 1; ; turn++) {
      const size = sizes.at(-1) ?? 0;
      const room = c.targetBytes - c.lastReplyBytes - overhead * 2 - size;
      const last = turn >= c.minTurns && room <= 0;
      const text = last ? c.lastReplyBytes : Math.max(SHORT_TEXT, Math.min(c.replyBytes, room));
      stub.enqueue(...turnReplies(c, turn, text));
      const result = cli.waitFor((l) => l.type === 'result', 10 * 60_000, `result of turn ${turn}`);
      cli.send(`Step ${turn}: run the echo, then write up the findings.`);
      const line = await result;
      if (line.is_error !== false) throw new Error(`turn ${turn} failed: ${JSON.stringify(line)}`);
      sessionId ||= String(line.session_id);
      path ||= transcriptPath(sandbox.configDir, sandbox.cwd, sessionId);
      const snapshot = await settledTranscript(path);
      // The stub keeps every request body; by the end of the 20 MB session each is 20 MB.
      stub.reset();
      if (size > 0) overhead = Math.max(1_000, snapshot.length - size - text);
      sizes.push(snapshot.length);
      snapshots.push(snapshot);
      if (snapshots.length > 2) snapshots.shift();
      if (last) break;
    }
    await cli.close();
    const [previous, final] = snapshots;
    assertNotCompacted(final);
    return {
      case: c,
      sessionId,
      final,
      previous,
      meta: {
        version: GENERATOR_VERSION,
        case: recipe(c),
        cli: version,
        flags: c.flags,
        sessionId,
        turns: sizes.length,
        sizesAfterTurn: sizes,
        finalBytes: final.length,
        previousBytes: previous.length,
        previousIsPrefix: final.subarray(0, previous.length).equals(previous),
        generatedMs: Math.round(performance.now() - started),
        generatedAt: new Date().toISOString(),
      },
    };
  } finally {
    await cli.stop();
    sandbox.remove();
  }
}

/**
 * The transcript once it has not grown for a while, cut after its last complete line (as the
 * worker's readCompleteTranscript does): the CLI writes a few lines after `result`.
 */
async function settledTranscript(path: string, quietMs = 250): Promise<Buffer> {
  let size = -1;
  let since = performance.now();
  for (;;) {
    const now = (await stat(path)).size;
    if (now !== size) [size, since] = [now, performance.now()];
    else if (performance.now() - since >= quietMs) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const bytes = await readFile(path);
  return bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1);
}

/** A compaction would rewrite the history, not append to it: not the case being measured. */
function assertNotCompacted(transcript: Buffer): void {
  if (transcript.includes('"compact_boundary"')) {
    throw new Error('the CLI compacted the generated session; lower the stub usage figures');
  }
}
