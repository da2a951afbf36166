/**
 * A running Node service's memory, settled: the bench opens the service's inspector only when it
 * measures (SIGUSR1, as `node inspect -p <pid>` does; the port comes from the service's
 * `--inspect-port`), forces full garbage collections through it and reads `process.memoryUsage()`
 * and the live handles, so a figure is what the process keeps, not the garbage it has not
 * collected yet. Until then the service runs without an inspector session, as in production.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { rssMiB } from './system-processes';

/** Live memory of a process after full collections, in MiB, and its handles by type. */
export interface SettledMemory {
  rssMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  /** `process.getActiveResourcesInfo()` counted by type (Timeout, TCPSocketWrap, PipeWrap...). */
  resources: Record<string, number>;
}

type Pending = { resolve(result: unknown): void; reject(error: Error): void };

const MiB = 2 ** 20;

export class ServiceInspector {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Where the heap snapshot being taken is written, chunk by chunk (it can outgrow a string). */
  private snapshotFd?: number;

  private constructor(private readonly socket: WebSocket) {
    socket.onmessage = (event) => this.receive(String(event.data));
  }

  /** Opens the inspector of `pid` (listening on `port` once signalled) and attaches to it. */
  static async attach(pid: number, port: number): Promise<ServiceInspector> {
    const list = `http://127.0.0.1:${port}/json/list`;
    let targets: Array<{ webSocketDebuggerUrl: string }> | undefined;
    for (let attempt = 0; !targets && attempt < 100; attempt++) {
      try {
        targets = (await (await fetch(list)).json()) as typeof targets;
      } catch {
        if (attempt === 0) process.kill(pid, 'SIGUSR1'); // what node inspect -p does
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    if (!targets?.length) throw new Error(`no inspector on port ${port} for pid ${pid}`);
    const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error(`could not attach to the inspector of pid ${pid}`));
    });
    return new ServiceInspector(socket);
  }

  /** Two full collections (the second frees what the first's finalizers let go), then figures. */
  async settle(pid: number): Promise<SettledMemory> {
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
    const [memory, resources] = await this.evaluate<
      [{ heapUsed: number; external: number }, string[]]
    >('[process.memoryUsage(), process.getActiveResourcesInfo()]');
    const counts: Record<string, number> = {};
    for (const type of resources) counts[type] = (counts[type] ?? 0) + 1;
    return {
      rssMiB: rssMiB(pid),
      heapUsedMiB: memory.heapUsed / MiB,
      externalMiB: memory.external / MiB,
      resources: counts,
    };
  }

  /** The value of a JavaScript expression evaluated in the service (JSON-serialisable). */
  async evaluate<T>(expression: string): Promise<T> {
    const reply = (await this.call('Runtime.evaluate', {
      expression: `JSON.stringify(${expression})`,
      returnByValue: true,
    })) as { result: { value?: string }; exceptionDetails?: { text: string } };
    if (reply.exceptionDetails) throw new Error(`${expression}: ${reply.exceptionDetails.text}`);
    return JSON.parse(reply.result.value ?? 'null') as T;
  }

  /** Writes a heap snapshot (Chrome's format) of the service to `file`. */
  async heapSnapshot(file: string): Promise<void> {
    this.snapshotFd = openSync(file, 'w');
    try {
      await this.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    } finally {
      closeSync(this.snapshotFd);
      this.snapshotFd = undefined;
    }
  }

  close(): void {
    this.socket.close();
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  private receive(text: string): void {
    const message = JSON.parse(text) as {
      id?: number;
      method?: string;
      params?: { chunk?: string };
      result?: unknown;
      error?: { message: string };
    };
    if (message.method === 'HeapProfiler.addHeapSnapshotChunk') {
      if (this.snapshotFd !== undefined) writeSync(this.snapshotFd, message.params?.chunk ?? '');
      return;
    }
    const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id as number);
    if (message.error) waiting.reject(new Error(message.error.message));
    else waiting.resolve(message.result);
  }
}
