/**
 * CPU time per process during a benchmark case, from /proc (Linux): on a shared 2-core machine
 * latency tails follow whoever holds the cores, and CPU per message says who that is with far
 * less noise than the latency figures themselves.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on every Linux this runs on

/** utime + stime of one process (its threads included), in ms; 0 once it is gone. */
function ownCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/**
 * Times the process' threads went to sleep waiting for something (voluntary context switches):
 * each one is a later wake-up, which on this VM costs about as much CPU as the work it wakes for.
 */
function ownWakeups(pid: number): number {
  let total = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      total += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
    }
  } catch {
    // exited meanwhile
  }
  return total;
}

/** Live descendants of `root` (children, grandchildren...), from each process's parent id. */
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // exited while listing
    }
  }
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length) {
    const pid = queue.shift() as number;
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** The first live child of `parent` whose command name is `comm` (e.g. the embedded redis-server). */
export function childNamed(parent: number, comm: string): number | undefined {
  return descendantsOf(parent).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm;
    } catch {
      return false;
    }
  });
}

/** A named set of processes, listed afresh at each snapshot. */
export interface CpuGroup {
  name: string;
  pids(): number[];
}

export type CpuSnapshot = Map<string, number>;

export function cpuSnapshot(groups: readonly CpuGroup[]): CpuSnapshot {
  const snap: CpuSnapshot = new Map();
  for (const g of groups) {
    const pids = g.pids();
    snap.set(
      g.name,
      pids.reduce((sum, pid) => sum + ownCpuMs(pid), 0),
    );
    snap.set(
      `${WAKEUPS}${g.name}`,
      pids.reduce((sum, pid) => sum + ownWakeups(pid), 0),
    );
  }
  const self = process.cpuUsage();
  snap.set('bench client', (self.user + self.system) / 1000);
  snap.set(`${WAKEUPS}bench client`, ownWakeups(process.pid));
  snap.set(MACHINE, machineBusyMs());
  return snap;
}

const MACHINE = 'machine';
const WAKEUPS = 'wakeups:';

/** CPU time all cores spent busy since boot (not idle, not waiting for I/O), in ms. */
function machineBusyMs(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  return (user + nice + system + irq + softirq + steal) * TICK_MS;
}

export interface CpuSpent {
  /** CPU ms per group, and `others`: what the rest of the machine took meanwhile. */
  cpuMs: Record<string, number>;
  /** Voluntary context switches per group (see ownWakeups). */
  wakeups: Record<string, number>;
}

/** What each group spent between two snapshots (a tree's processes must outlive the interval). */
export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): CpuSpent {
  const spent: Record<string, number> = {};
  const wakeups: Record<string, number> = {};
  let ours = 0;
  for (const [name, value] of after) {
    const delta = value - (before.get(name) ?? 0);
    if (name.startsWith(WAKEUPS)) {
      wakeups[name.slice(WAKEUPS.length)] = delta;
      continue;
    }
    if (name === MACHINE) continue;
    spent[name] = delta;
    ours += delta;
  }
  const machine = (after.get(MACHINE) ?? 0) - (before.get(MACHINE) ?? 0);
  spent.others = Math.max(0, machine - ours);
  return { cpuMs: spent, wakeups };
}
