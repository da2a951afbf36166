import {
  ClaudeProcess,
  transcriptPath,
  type ClaudeFlags,
  type Launcher,
  type SpawnBroker,
} from '@app/claude';
import { DEFAULT_APPROVAL_TIMEOUT_MS, type SessionRecord } from '@app/contracts';
import type { EventSink } from '@app/stream';
import { SessionApprovals, type ApprovalDeps } from '../turn/session-approvals';
import { LiveSession, type PromptsFactory } from './live-session';
import { restoredCostUsd } from './restored-cost';
import { sessionDirs } from './session-dirs';

/** How the CLI should start: resume Claude's own session, optionally as a fork. */
export interface ResumePlan {
  resume?: string;
  forkSession?: boolean;
  /** Finished turns the restored state does not hold (no checkpoint had them): said, not hidden. */
  lostTurns?: number;
}

export interface RegistryOptions {
  binary: string;
  launcher: Launcher;
  dataDir: string;
  /** Environment the CLI's allow-listed variables are drawn from (host variables, API settings). */
  env: Readonly<Record<string, string | undefined>>;
  /** Extra variables the operator chose to pass through (never client input). */
  passthrough: Readonly<Record<string, string>>;
  /** What the CLI may load from the (untrusted) workspace: operator's choice, same for all. */
  settings: Pick<ClaudeFlags, 'settingSources' | 'strictMcpConfig' | 'settings'>;
  inactivityTimeoutMs: number;
  maxLineBytes: number;
  stderrBytes: number;
  sinkFor(sessionId: string): EventSink;
  /** Starts CLIs from a small helper process: a fork of this large one stalls every stream. */
  spawner?: SpawnBroker;
  /** Where the permission prompts of `permissions: "ask"` sessions are kept and answered. */
  approvals?: ApprovalDeps;
}

export function flagsFor(
  record: SessionRecord,
  plan: ResumePlan,
  settings: RegistryOptions['settings'] = {},
): ClaudeFlags {
  const o = record.options;
  return {
    ...settings,
    includePartialMessages: true,
    // The prompt of each turn in the session's own stream, in order with what answered it: a
    // client following the session from elsewhere (the console, session_events) sees what was
    // asked, not only the answer.
    replayUserMessages: true,
    model: o.model,
    permissionMode: o.permissionMode as ClaudeFlags['permissionMode'],
    allowedTools: o.allowedTools,
    hostPermissionPrompts: o.permissions === 'ask',
    maxTurns: o.maxTurns,
    appendSystemPrompt: o.appendSystemPrompt,
    resume: plan.resume,
    forkSession: plan.forkSession,
  };
}

/** What a turn does with a session's live CLI process. */
export type LiveTurns = Pick<
  LiveSession,
  | 'runTurn'
  | 'interrupt'
  | 'flushEvents'
  | 'costOf'
  | 'claudeSessionId'
  | 'busy'
  | 'currentTurn'
  | 'done'
  | 'checkApprovals'
>;

/** The live CLI processes of a worker, as the turns use them. */
export interface LiveSessions {
  get(sessionId: string): LiveTurns | undefined;
  open(record: SessionRecord, plan: ResumePlan): Promise<LiveTurns>;
  close(sessionId: string, mode: 'graceful' | 'kill'): Promise<void>;
  /** Runs `onIdle` after `ms` unless the session is used (or closed) first. */
  scheduleIdle(sessionId: string, ms: number, onIdle: () => void): void;
  cancelIdle(sessionId: string): void;
}

/** The live CLI processes this worker holds, by session id. */
export class LiveSessionRegistry implements LiveSessions {
  private readonly live = new Map<string, LiveSession>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: RegistryOptions) {}

  get(sessionId: string): LiveSession | undefined {
    const session = this.live.get(sessionId);
    return session?.process.running ? session : undefined;
  }

  ids(): string[] {
    return [...this.live.keys()];
  }

  /** Starts the session's CLI, resuming (or forking) Claude's own session as planned. */
  async open(record: SessionRecord, plan: ResumePlan): Promise<LiveSession> {
    this.cancelIdle(record.id);
    const dirs = sessionDirs(this.options.dataDir, record.id);
    // stderr may arrive before the LiveSession exists; it is dropped until then.
    const ref: { session?: LiveSession } = {};
    const startCost = plan.resume
      ? await restoredCostUsd(
          transcriptPath(
            dirs.configDir,
            this.options.launcher.visibleCwd(dirs.workspaceDir),
            plan.resume,
          ),
        )
      : 0;
    const process = await ClaudeProcess.start({
      binary: this.options.binary,
      launcher: this.options.launcher,
      workspaceDir: dirs.workspaceDir,
      configDir: dirs.configDir,
      flags: flagsFor(record, plan, this.options.settings),
      env: this.options.env,
      envOverrides: { ...this.options.passthrough, HOME: dirs.home },
      inactivityTimeoutMs: this.options.inactivityTimeoutMs,
      maxLineBytes: this.options.maxLineBytes,
      stderrBytes: this.options.stderrBytes,
      onStderr: (text) => ref.session?.stderr(text),
      spawner: this.options.spawner,
    });
    const session = new LiveSession(
      record.id,
      process,
      this.options.sinkFor(record.id),
      this.promptsFor(record),
    );
    ref.session = session;
    session.startCostAt(startCost);
    session.claudeSessionId = plan.forkSession ? undefined : record.claudeSessionId;
    this.live.set(record.id, session);
    void session.done.then(() => {
      if (this.live.get(record.id) === session) this.live.delete(record.id);
      this.cancelIdle(record.id);
    });
    return session;
  }

  private promptsFor(record: SessionRecord): PromptsFactory | undefined {
    const deps = this.options.approvals;
    if (record.options.permissions !== 'ask' || !deps) return undefined;
    const timeoutMs = record.options.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    return (io) => new SessionApprovals(record.id, timeoutMs, deps, io);
  }

  /** Runs `onIdle` after `ms` unless the session is used (or closed) first. */
  scheduleIdle(sessionId: string, ms: number, onIdle: () => void): void {
    this.cancelIdle(sessionId);
    const timer = setTimeout(() => {
      this.idleTimers.delete(sessionId);
      onIdle();
    }, ms);
    timer.unref();
    this.idleTimers.set(sessionId, timer);
  }

  cancelIdle(sessionId: string): void {
    clearTimeout(this.idleTimers.get(sessionId));
    this.idleTimers.delete(sessionId);
  }

  /**
   * Ends the session's process: gracefully (stdin closed, so the CLI finishes its transcript),
   * or at once. Resolves when it has exited.
   */
  async close(sessionId: string, mode: 'graceful' | 'kill', graceMs = 10_000): Promise<void> {
    const session = this.live.get(sessionId);
    this.cancelIdle(sessionId);
    if (!session) return;
    if (mode === 'kill') await session.process.terminate(2_000);
    else {
      session.process.closeInput();
      const timer = setTimeout(() => void session.process.terminate(2_000), graceMs);
      await session.process.exited;
      clearTimeout(timer);
    }
    await session.done;
    this.live.delete(sessionId);
  }
}
