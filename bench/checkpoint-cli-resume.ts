/**
 * Time from a start request to the resumed CLI's `system/init` line. 2.1.331 prints nothing
 * before it has read the first stdin message (initWaitsForInput checks it on every run), so the
 * prompt is written right after spawn, as the worker does, and the clock stops at `init`. The
 * CLI is then killed: the turn it started is not measured.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { transcriptPath } from '@app/claude';
import { makeCliSandbox, type CliSandbox, type MessagesStub } from '@app/testing/messages-stub';
import { CliDriver, STREAM_ARGS } from './checkpoint-cli-driver';
import type { CliTranscript } from './checkpoint-cli-transcripts';

const INIT_TIMEOUT_MS = 60_000;

/** Where `--resume <id>` looks in a sandbox: its own config dir and working directory. */
export function resumePath(sandbox: CliSandbox, sessionId: string): string {
  return transcriptPath(sandbox.configDir, sandbox.cwd, sessionId);
}

/**
 * Milliseconds from calling `prepare` (a restore, or nothing) to `init`, in a fresh sandbox:
 * new CLAUDE_CONFIG_DIR, HOME and working directory, unlike those the session was made in.
 */
export async function timeToInit(
  stub: MessagesStub,
  t: CliTranscript,
  prepare: (path: string) => Promise<void>,
  setup?: (path: string) => Promise<void>,
): Promise<number> {
  const sandbox = makeCliSandbox('cc-res-');
  let cli: CliDriver | undefined;
  try {
    const path = resumePath(sandbox, t.sessionId);
    await setup?.(path);
    const started = performance.now();
    await prepare(path);
    cli = await CliDriver.start(stub.url, sandbox, resumeArgs(t));
    const init = cli.waitFor(
      (l) => l.type === 'system' && l.subtype === 'init',
      INIT_TIMEOUT_MS,
      'init',
    );
    cli.send('Next step, please.');
    const line = await init;
    const ms = performance.now() - started;
    // Resuming without --fork-session keeps the id: another id means a new, empty session.
    if (line.session_id !== t.sessionId) {
      throw new Error(`resumed as ${String(line.session_id)}, not ${t.sessionId}`);
    }
    return ms;
  } finally {
    await cli?.stop();
    sandbox.remove();
    stub.reset();
  }
}

export function resumeArgs(t: CliTranscript): string[] {
  return [...STREAM_ARGS, ...t.case.flags, `--resume=${t.sessionId}`];
}

/** The transcript put in place before the clock starts: the CLI's start alone. */
export function placeTranscript(t: CliTranscript): (path: string) => Promise<void> {
  return async (path) => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, t.final);
  };
}

/**
 * One untimed resume that lets the turn reach the stub, to check that the CLI really loaded the
 * history: the request it sends must carry the session's first prompt.
 */
export async function assertResumes(stub: MessagesStub, t: CliTranscript): Promise<void> {
  const sandbox = makeCliSandbox('cc-chk-');
  let cli: CliDriver | undefined;
  try {
    await placeTranscript(t)(resumePath(sandbox, t.sessionId));
    stub.reset();
    cli = await CliDriver.start(stub.url, sandbox, resumeArgs(t));
    const result = cli.waitFor((l) => l.type === 'result', INIT_TIMEOUT_MS, 'result');
    cli.send('Check the history.');
    await result;
    const [request] = stub.conversationRequests();
    const sent = JSON.stringify(request?.messages ?? []);
    if (!sent.includes('Step 1:') || !sent.includes('Check the history.')) {
      throw new Error(`--resume ${t.sessionId} did not send the restored history`);
    }
  } finally {
    await cli?.stop();
    sandbox.remove();
  }
}

/**
 * Whether `init` waits for stdin: lines the resumed CLI printed during `quietMs` without any
 * input, then how long after a prompt `init` came.
 */
export async function initWaitsForInput(
  stub: MessagesStub,
  t: CliTranscript,
  quietMs: number,
): Promise<{ linesBeforeInput: number; initAfterInputMs: number }> {
  const sandbox = makeCliSandbox('cc-idle-');
  let cli: CliDriver | undefined;
  try {
    await placeTranscript(t)(resumePath(sandbox, t.sessionId));
    cli = await CliDriver.start(stub.url, sandbox, resumeArgs(t));
    await new Promise((r) => setTimeout(r, quietMs));
    const linesBeforeInput = cli.linesSeen;
    const init = cli.waitFor((l) => l.subtype === 'init', INIT_TIMEOUT_MS, 'init');
    const sent = performance.now();
    cli.send('Next step, please.');
    await init;
    return { linesBeforeInput, initAfterInputMs: performance.now() - sent };
  } finally {
    await cli?.stop();
    sandbox.remove();
    stub.reset();
  }
}
