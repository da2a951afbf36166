import { readdir, readFile } from 'node:fs/promises';

/**
 * Resident memory of whole process groups, in bytes, from Linux's /proc: a CLI is spawned as a
 * group leader (detached), and what it runs (a sandbox, Bash, tools) stays in its group, so the
 * group is what a session costs. Undefined where /proc is missing (not Linux).
 */
export async function processGroupRss(groups: readonly number[]): Promise<number | undefined> {
  if (groups.length === 0) return 0;
  const wanted = new Set(groups);
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const sizes = await Promise.all(pids.map((pid) => rssInGroups(pid, wanted)));
  return sizes.reduce((sum, bytes) => sum + bytes, 0);
}

async function rssInGroups(pid: string, groups: ReadonlySet<number>): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (!groups.has(Number(fields[2]))) return 0;
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kib ? Number(kib) * 1024 : 0;
  } catch {
    return 0; // exited meanwhile
  }
}
