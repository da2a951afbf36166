import { readdir, readFile } from 'node:fs/promises';

/**
 * Resident memory, in bytes, of whole process trees, from Linux's /proc: each CLI is spawned as
 * a group leader (detached), and what it runs stays in its group or below it. Below it counts
 * too: the sandbox starts the CLI in a session of its own (bwrap `--new-session`), so the CLI
 * itself is in another group, a child of the group's bwrap. Undefined where /proc is missing.
 */
export async function processTreeRss(groups: readonly number[]): Promise<number | undefined> {
  if (groups.length === 0) return 0;
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const procs = (await Promise.all(pids.map(readStat))).filter((p) => p !== undefined);
  const counted = inTrees(procs, new Set(groups));
  const sizes = await Promise.all([...counted].map(rssBytes));
  return sizes.reduce((sum, bytes) => sum + bytes, 0);
}

interface Proc {
  pid: number;
  ppid: number;
  pgrp: number;
}

/** The processes of the groups, and every descendant of theirs, whatever its group. */
function inTrees(procs: readonly Proc[], groups: ReadonlySet<number>): Set<number> {
  const children = new Map<number, number[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const counted = new Set<number>();
  const stack = procs.filter((p) => groups.has(p.pgrp)).map((p) => p.pid);
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    if (counted.has(pid)) continue;
    counted.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return counted;
}

async function readStat(pid: string): Promise<Proc | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid: Number(pid), ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return undefined; // exited meanwhile
  }
}

async function rssBytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kib ? Number(kib) * 1024 : 0;
  } catch {
    return 0; // exited meanwhile
  }
}
