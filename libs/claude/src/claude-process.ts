import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { buildCliArgs, type ClaudeFlags } from './cli-flags';
import { cliEnvironment } from './environment';
import { ClaudeProcessClosed, ClaudeSpawnFailed } from './errors';
import { parseJsonl, type ParsedLine } from './jsonl-parser';
import { PlainLauncher, type LaunchCommand, type Launcher } from './launcher';
import { permissionResponseLine, type PermissionAnswer } from './permission-prompts';
import { killGroup, trackChild } from './process-registry';
import { StderrTail } from './stderr-tail';
import { OutputWatchdog } from './output-watchdog';
import type { CliChild, SpawnBroker } from './spawner/spawn-broker';

export interface ClaudeProcessOptions {
  binary: string;
  /** The session's working directory (created when missing). */
  workspaceDir: string;
  /** The session's own CLAUDE_CONFIG_DIR (created when missing). */
  configDir: string;
  flags: ClaudeFlags;
  /** Environment to draw allow-listed variables from (never passed whole). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Trusted extra variables set by the worker (e.g. a simulator scenario). */
  envOverrides?: Readonly<Record<string, string>>;
  launcher?: Launcher;
  /** A turn with no stdout for this long is considered hung and the process is terminated. */
  inactivityTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  stderrBytes?: number;
  maxLineBytes?: number;
  onStderr?: (text: string) => void;
  /** Starts the process from a helper process (a worker's large heap makes fork slow). */
  spawner?: SpawnBroker;
}

export interface ClaudeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why it ended: on its own, killed by the inactivity watchdog, or by terminate(). */
  reason: 'exited' | 'inactivity_timeout' | 'terminated';
  /** The last bytes of stderr. */
  stderr: string;
  durationMs: number;
  /** The sandbox limit that ended the process, in words naming its variable (see LaunchCommand). */
  limit?: string;
}

/** A user message: plain text or Anthropic content blocks. */
export type UserContent = string | ReadonlyArray<Record<string, unknown>>;

const DEFAULT_INACTIVITY_MS = 10 * 60_000;
const DEFAULT_KILL_GRACE_MS = 5_000;
const DEFAULT_STDERR_BYTES = 64 * 1024;

/**
 * One running `claude -p --input-format stream-json` process: messages in on stdin, parsed
 * JSONL out of `lines()`, with stdout paused while the consumer is behind.
 */
export class ClaudeProcess {
  readonly exited: Promise<ClaudeExit>;
  private readonly stderrTail: StderrTail;
  private readonly watchdog: OutputWatchdog;
  private endReason: ClaudeExit['reason'] = 'exited';
  private linesTaken = false;
  private requestSeq = 0;
  private closed = false;

  private constructor(
    private readonly child: CliChild,
    private readonly options: ClaudeProcessOptions,
    command: Pick<LaunchCommand, 'release' | 'limitReached'>,
  ) {
    const started = Date.now();
    this.stderrTail = new StderrTail(options.stderrBytes ?? DEFAULT_STDERR_BYTES);
    this.watchdog = new OutputWatchdog(options.inactivityTimeoutMs ?? DEFAULT_INACTIVITY_MS, () => {
      this.endReason = 'inactivity_timeout';
      void this.terminate();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail.push(chunk);
      options.onStderr?.(chunk.toString('utf8'));
    });
    // EPIPE after the CLI exits is reported by send(), not as an uncaught error.
    child.stdin.on('error', () => (this.closed = true));
    // 'exit' rather than 'close': stdout may hold output nobody has read yet.
    this.exited = once(child, 'exit').then(async ([code, signal]) => {
      this.closed = true;
      await settleStream(child.stderr, 1_000);
      this.watchdog.stop();
      // Only an exit of its own can be a limit's doing (not one the worker asked for).
      const limit =
        this.endReason === 'exited'
          ? await command
              .limitReached?.({ code: code as number | null, signal: signal as string | null })
              .catch(() => undefined)
          : undefined;
      await command.release?.().catch(() => undefined);
      return {
        code: code as number | null,
        signal: signal as NodeJS.Signals | null,
        reason: this.endReason,
        stderr: this.stderrTail.toString(),
        durationMs: Date.now() - started,
        ...(limit ? { limit } : {}),
      };
    });
  }

  /** Spawns the CLI (argument array, allow-listed environment) and resolves once it runs. */
  static async start(options: ClaudeProcessOptions): Promise<ClaudeProcess> {
    const launcher = options.launcher ?? new PlainLauncher();
    await Promise.all([
      mkdir(options.workspaceDir, { recursive: true }),
      mkdir(options.configDir, { recursive: true }),
    ]);
    const command = await launcher.prepare({
      binary: options.binary,
      args: buildCliArgs(options.flags),
      workspaceDir: options.workspaceDir,
      configDir: options.configDir,
      env: cliEnvironment(options.env ?? {}, options.envOverrides),
    });
    let child: CliChild;
    try {
      child = await spawnChild(command, options.spawner);
    } catch (error) {
      await command.release?.().catch(() => undefined);
      throw new ClaudeSpawnFailed(command.command, error as Error);
    }
    trackChild(child);
    if (child.pid !== undefined) command.started?.(child.pid);
    return new ClaudeProcess(child, options, command);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** True until the process has exited and its output is closed. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The parsed stdout; one consumer only. Pulling slowly pauses the CLI's output. */
  async *lines(): AsyncGenerator<ParsedLine> {
    if (this.linesTaken) throw new Error('lines() can be consumed only once per process');
    this.linesTaken = true;
    const source = this.watchdog.track(this.child.stdout);
    for await (const line of parseJsonl(source, { maxLineBytes: this.options.maxLineBytes })) {
      // Any result line ends the turn, also one that fails its schema.
      if (line.kind === 'message' && line.message.type === 'result') this.watchdog.turnEnded();
      yield line;
    }
  }

  /** Writes one user message line; resolves when the pipe accepted it. */
  async send(content: UserContent): Promise<void> {
    await this.writeLine({ type: 'user', message: { role: 'user', content } });
    this.watchdog.turnStarted();
  }

  /** Asks the CLI to stop the running turn (stdin control request; the process stays). */
  async interrupt(): Promise<void> {
    const request_id = `interrupt-${++this.requestSeq}`;
    await this.writeLine({
      type: 'control_request',
      request_id,
      request: { subtype: 'interrupt' },
    });
  }

  /** Answers a `can_use_tool` prompt (see permission-prompts.ts). */
  async answerPermission(requestId: string, answer: PermissionAnswer): Promise<void> {
    await this.writeLine(permissionResponseLine(requestId, answer));
  }

  /**
   * While the CLI waits for an answer to a permission prompt it is silent by design: the
   * inactivity watchdog must not take that for a hang. Calls nest; each hold needs its release.
   */
  holdInactivityTimeout(): void {
    this.watchdog.hold();
  }

  releaseInactivityTimeout(): void {
    this.watchdog.release();
  }

  /** Ends stdin: the CLI finishes its current turn, then exits 0. */
  closeInput(): void {
    this.closed = true;
    this.child.stdin.end();
  }

  /** SIGTERM to the process group, then SIGKILL after the grace period. */
  async terminate(
    graceMs = this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
  ): Promise<ClaudeExit> {
    if (!this.running) return this.exited;
    if (this.endReason === 'exited') this.endReason = 'terminated';
    killGroup(this.child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** The last bytes the CLI wrote to stderr so far. */
  stderr(): string {
    return this.stderrTail.toString();
  }

  private async writeLine(payload: object): Promise<void> {
    if (this.closed || !this.running) throw new ClaudeProcessClosed(this.child.pid);
    const ok = this.child.stdin.write(`${JSON.stringify(payload)}\n`);
    if (!ok) await once(this.child.stdin, 'drain');
  }
}

/** In its own process group, so terminate() also reaches the tools the CLI started. */
async function spawnChild(command: LaunchCommand, spawner?: SpawnBroker): Promise<CliChild> {
  const request = {
    command: command.command,
    args: command.args,
    cwd: command.cwd,
    env: command.env,
  };
  if (spawner) return spawner.spawn(request);
  const child = spawn(request.command, request.args, {
    cwd: request.cwd,
    env: request.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  await once(child, 'spawn');
  return child;
}

/** Waits for a stream to finish (its last bytes captured), but not forever: a grandchild may hold it. */
async function settleStream(stream: NodeJS.ReadableStream & { closed?: boolean }, ms: number) {
  if (stream.closed) return;
  await Promise.race([once(stream, 'close'), new Promise((r) => setTimeout(r, ms).unref())]);
}
