import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** What ClaudeProcess needs of a child process: node's ChildProcess or a BrokeredChild. */
export interface CliChild extends EventEmitter {
  readonly pid?: number | undefined;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals): boolean;
}

export interface SpawnRequest {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

type BrokerMessage =
  | { id: number; kind: 'spawned'; pid: number }
  | { id: number; kind: 'stdin' | 'stdout' | 'stderr' }
  | { id: number; kind: 'exit'; code: number | null; signal: NodeJS.Signals | null }
  | { id: number; kind: 'error'; message: string; code?: string };

/** A CLI process started by the broker: its pipes are ours, its exit is reported over IPC. */
export class BrokeredChild extends EventEmitter implements CliChild {
  pid: number | undefined;
  stdin!: Writable;
  stdout!: Readable;
  stderr!: Readable;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.pid === undefined || this.exitCode !== null || this.signalCode !== null) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** @internal */
  exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitCode !== null || this.signalCode !== null) return;
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
  }
}

interface Pending {
  child: BrokeredChild;
  /** The broker process that is starting it. */
  owner: ChildProcess;
  resolve(child: BrokeredChild): void;
  reject(error: Error): void;
  pipes: number;
}

const SCRIPT = join(__dirname, 'broker-process.cjs');

/**
 * Starts processes from a small helper process instead of this one (see broker-process.cjs):
 * a fork from a large worker blocks its event loop for tens of milliseconds. The broker is
 * started on first use; if it dies, its processes are killed and reported as exited, and the
 * next spawn starts a new broker.
 */
export class SpawnBroker {
  private broker: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly running = new Map<number, { child: BrokeredChild; owner: ChildProcess }>();

  spawn(request: SpawnRequest): Promise<BrokeredChild> {
    const broker = this.ensureBroker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        child: new BrokeredChild(),
        owner: broker,
        resolve,
        reject,
        pipes: 0,
      });
      this.holdWhileBusy();
      broker.send({ id, ...request });
    });
  }

  /** Stops the broker (it kills what it started). */
  close(): void {
    this.broker?.disconnect();
    this.broker = undefined;
  }

  private ensureBroker(): ChildProcess {
    if (this.broker?.connected) return this.broker;
    // No execArgv: the broker is plain CommonJS and should stay small.
    const broker = fork(SCRIPT, [], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    broker.on('message', (message: BrokerMessage, handle?: Socket) =>
      this.onMessage(message, handle),
    );
    broker.once('exit', () => this.onBrokerExit(broker));
    // Never what keeps the worker alive (the CLIs' pipes do); when the worker exits, the IPC
    // channel closes and the broker kills what it started.
    broker.unref();
    (broker as unknown as { channel?: { unref(): void } }).channel?.unref();
    this.broker = broker;
    return broker;
  }

  private onMessage(message: BrokerMessage, handle?: Socket): void {
    const pending = this.pending.get(message.id);
    const child = pending?.child ?? this.running.get(message.id)?.child;
    if (!child) return;
    switch (message.kind) {
      case 'spawned':
        child.pid = message.pid;
        return;
      case 'stdin':
      case 'stdout':
      case 'stderr':
        if (!handle || !pending) return;
        child[message.kind] = handle;
        if (++pending.pipes === 3) {
          this.pending.delete(message.id);
          this.running.set(message.id, { child, owner: pending.owner });
          pending.resolve(child);
          this.holdWhileBusy();
        }
        return;
      case 'exit':
        this.running.delete(message.id);
        this.holdWhileBusy();
        child.exited(message.code, message.signal);
        return;
      case 'error': {
        this.pending.delete(message.id);
        this.holdWhileBusy();
        const error = Object.assign(new Error(message.message), { code: message.code });
        pending?.reject(error);
        return;
      }
    }
  }

  /**
   * The IPC channel keeps this process alive only while a spawn is pending or a process runs,
   * as a direct child would; an idle broker never holds the worker open.
   */
  private holdWhileBusy(): void {
    const channel = (this.broker as unknown as { channel?: { ref(): void; unref(): void } })
      ?.channel;
    if (this.pending.size + this.running.size > 0) channel?.ref();
    else channel?.unref();
  }

  /** Only what this broker process started: a new broker may already be serving others. */
  private onBrokerExit(broker: ChildProcess): void {
    if (this.broker === broker) this.broker = undefined;
    for (const [id, pending] of this.pending) {
      if (pending.owner !== broker) continue;
      this.pending.delete(id);
      pending.reject(new Error('the spawn broker exited before the process started'));
    }
    for (const [id, { child, owner }] of this.running) {
      if (owner !== broker) continue;
      this.running.delete(id);
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      child.exited(null, 'SIGKILL');
    }
    this.holdWhileBusy();
  }
}
