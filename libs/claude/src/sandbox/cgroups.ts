import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A cgroup per sandbox: the kernel's own per-session totals, which hold for root too.
 * `pids.max` caps the session's tasks (processes and threads), `memory.max` (v1:
 * `memory.limit_in_bytes`) its memory, page cache and tmpfs included; the kernel's OOM killer
 * picks within the session only. Joining the `cpu` controller, where there is one, gives each
 * session an equal CPU share against the others. Sessions are created under the worker's own
 * cgroup, so the pod's (or service's) limits still bound them all.
 *
 * cgroup v1 (one hierarchy per controller) is used as is. cgroup v2 needs the controllers in
 * the worker's cgroup's `cgroup.subtree_control`, which the kernel allows only for a cgroup
 * without processes of its own: the worker moves the processes of its cgroup into a leaf
 * (`claude-worker`) first, as a container's init would (a delegated, writable cgroup: see
 * docs/security.md). Where none of it is possible, `detectCgroups` says why.
 */
export type CgroupVersion = 'v1' | 'v2';

const LEAF_PREFIX = 'claude-sbx-';
const WORKER_LEAF = 'claude-worker';

export interface CgroupLimits {
  /** pids.max (0: none). */
  maxProcesses: number;
  /** memory.max (0: none). */
  maxMemoryBytes: number;
}

/** What a session's cgroup counted, for the turn's error text and the figures. */
export interface CgroupUsage {
  /** Processes the kernel's OOM killer stopped because the session reached its memory limit. */
  oomKills: number;
  /** Forks refused because the session reached its process limit. */
  processLimitHits: number;
  peakMemoryBytes?: number;
  peakProcesses?: number;
}

export interface SessionCgroup {
  /** `cgroup.procs` files the sandbox's first process writes its pid to, before bwrap starts. */
  readonly procsFiles: readonly string[];
  usage(): Promise<CgroupUsage>;
  /** Removes the cgroup; waits (bounded) for the kernel to let go of an exited session's memory. */
  release(): Promise<void>;
}

export type CgroupDetection = { ok: true; cgroups: SessionCgroups } | { ok: false; reason: string };

export interface Hierarchy {
  /** The controller names this hierarchy serves (v2: the ones enabled for children). */
  controllers: Set<string>;
  /** The worker's own cgroup directory in it: sessions are created below. */
  dir: string;
}

interface MountEntry {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

export interface DetectOptions {
  /** /proc/self/mountinfo and /proc/self/cgroup, as text (tests pass a fake cgroup tree). */
  mountInfo?: string;
  selfCgroup?: string;
  /** The controllers wanted: `pids` and `memory` as configured, `cpu` for fair share. */
  want?: { pids: boolean; memory: boolean };
}

/**
 * Finds where this worker can create per-session cgroups, checks it by creating (and removing)
 * one, and sweeps cgroups a dead worker left behind. Never throws: a failure is a reason.
 */
export async function detectCgroups(options: DetectOptions = {}): Promise<CgroupDetection> {
  const want = options.want ?? { pids: true, memory: true };
  if (!want.pids && !want.memory) return { ok: false, reason: 'no cgroup limit is configured' };
  let mountInfo: string;
  let selfCgroup: string;
  try {
    mountInfo = options.mountInfo ?? (await readFile('/proc/self/mountinfo', 'utf8'));
    selfCgroup = options.selfCgroup ?? (await readFile('/proc/self/cgroup', 'utf8'));
  } catch (error) {
    return { ok: false, reason: `cannot read /proc/self: ${(error as Error).message}` };
  }
  const { v1, v2 } = locateCgroups(mountInfo, selfCgroup);
  const wanted = ['pids', 'memory'].filter((c) => want[c as 'pids' | 'memory']);
  const v1Has = (c: string) => v1.some((h) => h.controllers.has(c));
  try {
    if (wanted.some(v1Has)) {
      const missing = wanted.filter((c) => !v1Has(c));
      if (missing.length) {
        return { ok: false, reason: `no cgroup v1 hierarchy for ${missing.join(', ')}` };
      }
      const used = v1.filter((h) => [...wanted, 'cpu'].some((c) => h.controllers.has(c)));
      return await verified(new SessionCgroups('v1', used));
    }
    if (!v2) return { ok: false, reason: 'no cgroup v1 hierarchy or cgroup v2 mount found' };
    const delegated = await delegateV2(v2.dir, [...wanted, 'cpu'], wanted);
    if (!delegated.ok) return delegated;
    return await verified(
      new SessionCgroups('v2', [{ controllers: delegated.controllers, dir: v2.dir }]),
    );
  } catch (error) {
    return { ok: false, reason: cgroupFailure(error) };
  }
}

/**
 * Where this process's cgroups are, from /proc/self/mountinfo and /proc/self/cgroup: each
 * cgroup v1 hierarchy with pids, memory or cpu (the worker's own directory in it), and the
 * cgroup v2 directory, if v2 is mounted.
 */
export function locateCgroups(
  mountInfo: string,
  selfCgroup: string,
): { v1: Hierarchy[]; v2?: { dir: string } } {
  const mounts = parseMountInfo(mountInfo);
  const membership = parseSelfCgroup(selfCgroup);
  return { v1: v1Hierarchies(mounts, membership), v2: v2Hierarchy(mounts, membership) };
}

/** Creates and removes a probe cgroup, then sweeps leftovers of dead workers. */
async function verified(cgroups: SessionCgroups): Promise<CgroupDetection> {
  const probe = await cgroups.create({ maxProcesses: 1, maxMemoryBytes: 64 * 1024 ** 2 });
  await probe.release();
  await cgroups.sweep();
  return { ok: true, cgroups };
}

function cgroupFailure(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'EROFS') {
    return `the cgroup file system is read-only here (${e.path ?? ''}); see docs/security.md`;
  }
  if (e.code === 'EACCES' || e.code === 'EPERM') {
    return `the worker may not create cgroups (${e.code} on ${e.path ?? '?'}); run it with a delegated, writable cgroup (docs/security.md)`;
  }
  return `cgroup set-up failed: ${e.message}`;
}

let leafSeq = 0;

/** Creates a cgroup per sandbox in the hierarchies found at start-up. */
export class SessionCgroups {
  constructor(
    readonly version: CgroupVersion,
    private readonly hierarchies: readonly Hierarchy[],
  ) {}

  /** Which of the configured limits these cgroups enforce. */
  get enforces(): { processes: boolean; memory: boolean; cpuShare: boolean } {
    const has = (c: string) => this.hierarchies.some((h) => h.controllers.has(c));
    return { processes: has('pids'), memory: has('memory'), cpuShare: has('cpu') };
  }

  describe(): string {
    const controllers = this.hierarchies.flatMap((h) => [...h.controllers]);
    return `cgroup ${this.version} (${controllers.join(', ')}) under ${this.hierarchies.map((h) => h.dir).join(', ')}`;
  }

  async create(limits: CgroupLimits): Promise<SessionCgroup> {
    const name = `${LEAF_PREFIX}${process.pid}-${++leafSeq}-${randomBytes(3).toString('hex')}`;
    const made: string[] = [];
    try {
      for (const h of this.hierarchies) {
        const dir = join(h.dir, name);
        await mkdir(dir);
        made.push(dir);
        await this.applyLimits(h, dir, limits);
      }
    } catch (error) {
      await Promise.all(made.map((dir) => removeCgroup(dir, 0)));
      throw error;
    }
    return new Leaf(this.version, this.hierarchies, made);
  }

  /** Removes empty session cgroups whose worker process is gone. */
  async sweep(): Promise<number> {
    let removed = 0;
    for (const h of this.hierarchies) {
      const names = await readdir(h.dir).catch(() => [] as string[]);
      for (const name of names) {
        if (!name.startsWith(LEAF_PREFIX)) continue;
        const pid = Number(name.slice(LEAF_PREFIX.length).split('-')[0]);
        if (pid === process.pid || isAlive(pid)) continue;
        if (
          await rmdir(join(h.dir, name)).then(
            () => true,
            () => false,
          )
        )
          removed++;
      }
    }
    return removed;
  }

  private async applyLimits(h: Hierarchy, dir: string, limits: CgroupLimits): Promise<void> {
    if (h.controllers.has('pids') && limits.maxProcesses > 0) {
      await writeFile(join(dir, 'pids.max'), String(limits.maxProcesses));
    }
    if (h.controllers.has('memory') && limits.maxMemoryBytes > 0) {
      const bytes = String(limits.maxMemoryBytes);
      if (this.version === 'v2') {
        await writeFile(join(dir, 'memory.max'), bytes);
        // No swapping out instead of stopping: the limit is memory, not memory plus swap.
        await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => undefined);
      } else {
        await writeFile(join(dir, 'memory.limit_in_bytes'), bytes);
        // Present only with swap accounting; must not be below the memory limit.
        await writeFile(join(dir, 'memory.memsw.limit_in_bytes'), bytes).catch(() => undefined);
      }
    }
  }
}

class Leaf implements SessionCgroup {
  readonly procsFiles: readonly string[];

  constructor(
    private readonly version: CgroupVersion,
    private readonly hierarchies: readonly Hierarchy[],
    private readonly dirs: readonly string[],
  ) {
    this.procsFiles = dirs.map((dir) => join(dir, 'cgroup.procs'));
  }

  private dirOf(controller: string): string | undefined {
    const index = this.hierarchies.findIndex((h) => h.controllers.has(controller));
    return index < 0 ? undefined : this.dirs[index];
  }

  async usage(): Promise<CgroupUsage> {
    const memory = this.dirOf('memory');
    const pids = this.dirOf('pids');
    const usage: CgroupUsage = { oomKills: 0, processLimitHits: 0 };
    if (memory) {
      const events = this.version === 'v2' ? 'memory.events' : 'memory.oom_control';
      usage.oomKills = keyed(await readText(join(memory, events)), 'oom_kill');
      const peak = this.version === 'v2' ? 'memory.peak' : 'memory.max_usage_in_bytes';
      usage.peakMemoryBytes = numberOr(await readText(join(memory, peak)));
    }
    if (pids) {
      usage.processLimitHits = keyed(await readText(join(pids, 'pids.events')), 'max');
      usage.peakProcesses = numberOr(await readText(join(pids, 'pids.peak')));
    }
    return usage;
  }

  async release(): Promise<void> {
    await Promise.all(this.dirs.map((dir) => removeCgroup(dir, 5_000)));
  }
}

/**
 * rmdir, after killing anything still inside (nothing should be: the sandbox's PID namespace
 * ended with its init). The kernel may take a moment to release an exited session's memory,
 * during which rmdir answers EBUSY.
 */
async function removeCgroup(dir: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
    const procs = await readText(join(dir, 'cgroup.procs'));
    for (const pid of (procs ?? '').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || Date.now() >= deadline) return;
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/**
 * cgroup v2: the controllers enabled for the worker's children, enabling them when needed by
 * first moving the processes of the worker's cgroup into a `claude-worker` leaf.
 */
async function delegateV2(
  dir: string,
  controllers: readonly string[],
  required: readonly string[],
): Promise<{ ok: true; controllers: Set<string> } | { ok: false; reason: string }> {
  const available = words(await readText(join(dir, 'cgroup.controllers')));
  const missing = required.filter((c) => !available.has(c));
  if (missing.length) {
    return {
      ok: false,
      reason: `cgroup v2 has no ${missing.join(', ')} controller for the worker's cgroup ${dir} (not delegated to it)`,
    };
  }
  const subtree = join(dir, 'cgroup.subtree_control');
  const enabled = async () => words(await readText(subtree));
  const enable = async (names: readonly string[]) => {
    const request = names
      .filter((c) => available.has(c))
      .map((c) => `+${c}`)
      .join(' ');
    if (!request) return;
    try {
      await writeFile(subtree, request);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw error;
      // "No internal processes": the worker's cgroup must hold none before it can delegate.
      await moveProcessesToLeaf(dir);
      await writeFile(subtree, request);
    }
  };
  const current = await enabled();
  const needed = required.filter((c) => !current.has(c));
  if (needed.length) await enable(needed);
  // CPU share is a bonus: a cgroup that refuses it still limits processes and memory.
  const optional = controllers.filter((c) => !required.includes(c) && !current.has(c));
  if (optional.length) await enable(optional).catch(() => undefined);
  const now = await enabled();
  return { ok: true, controllers: new Set(controllers.filter((c) => now.has(c))) };
}

async function moveProcessesToLeaf(dir: string): Promise<void> {
  const leaf = join(dir, WORKER_LEAF);
  await mkdir(leaf).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  // Processes may fork meanwhile: move until the cgroup is empty (bounded).
  for (let round = 0; round < 10; round++) {
    const pids = ((await readText(join(dir, 'cgroup.procs'))) ?? '').split('\n').filter(Boolean);
    if (!pids.length) return;
    for (const pid of pids) {
      await writeFile(join(leaf, 'cgroup.procs'), pid).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ESRCH') throw error;
      });
    }
  }
}

function parseMountInfo(text: string): MountEntry[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [left, right = ''] = line.split(' - ');
      const fields = left.split(' ');
      const [fsType, , superOptions = ''] = right.split(' ');
      return {
        root: unescapeMount(fields[3] ?? '/'),
        mountPoint: unescapeMount(fields[4] ?? ''),
        fsType,
        superOptions: superOptions.split(','),
      };
    });
}

function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}

/** /proc/self/cgroup: `id:controllers:path`, `0::path` for v2. */
function parseSelfCgroup(text: string): Array<{ controllers: string[]; path: string }> {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, controllers = '', ...path] = line.split(':');
      return { controllers: controllers ? controllers.split(',') : [], path: path.join(':') };
    });
}

function within(mount: MountEntry, path: string): string {
  // A mount of a sub-tree (no cgroup namespace): the process's path starts with the mount's root.
  const relative =
    mount.root !== '/' && path.startsWith(mount.root) ? path.slice(mount.root.length) : path;
  const dir = join(mount.mountPoint, relative);
  return dir.length > 1 ? dir.replace(/\/$/, '') : dir;
}

function v1Hierarchies(
  mounts: MountEntry[],
  membership: Array<{ controllers: string[]; path: string }>,
): Hierarchy[] {
  const out: Hierarchy[] = [];
  for (const mount of mounts) {
    if (mount.fsType !== 'cgroup') continue;
    const controllers = mount.superOptions.filter((o) => ['pids', 'memory', 'cpu'].includes(o));
    if (!controllers.length) continue;
    const member = membership.find((m) => controllers.every((c) => m.controllers.includes(c)));
    if (!member) continue;
    if (out.some((h) => controllers.some((c) => h.controllers.has(c)))) continue;
    out.push({ controllers: new Set(controllers), dir: within(mount, member.path) });
  }
  return out;
}

function v2Hierarchy(
  mounts: MountEntry[],
  membership: Array<{ controllers: string[]; path: string }>,
): { dir: string } | undefined {
  const mount = mounts.find((m) => m.fsType === 'cgroup2');
  const member = membership.find((m) => m.controllers.length === 0);
  if (!mount || !member) return undefined;
  // A worker restarted inside a container it delegated before: sessions go beside its leaf.
  const path = member.path.endsWith(`/${WORKER_LEAF}`)
    ? member.path.slice(0, -WORKER_LEAF.length - 1) || '/'
    : member.path;
  return { dir: within(mount, path) };
}

async function readText(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}

function words(text: string | null): Set<string> {
  return new Set((text ?? '').split(/\s+/).filter(Boolean));
}

/** `key value` lines (memory.events, pids.events, memory.oom_control). */
function keyed(text: string | null, key: string): number {
  const match = (text ?? '').match(new RegExp(`^${key} (\\d+)$`, 'm'));
  return match ? Number(match[1]) : 0;
}

function numberOr(text: string | null): number | undefined {
  const n = Number((text ?? '').trim());
  return text !== null && Number.isFinite(n) ? n : undefined;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
