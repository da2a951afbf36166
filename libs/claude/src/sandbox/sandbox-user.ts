import { createHash } from 'node:crypto';
import { lchown, lstat, open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { LaunchSpec } from '../launcher';
import type { SandboxExtension } from './bwrap-launcher';
import { SandboxSpecInvalid } from './errors';

/** How many uids a worker hands out from SANDBOX_UID_BASE up (one per live sandbox). */
export const SANDBOX_UID_COUNT = 4096;

/** Capabilities the sandbox's first command needs to drop to its uid, and nothing after it. */
// prettier-ignore
export const DROP_TO_UID_CAPS: readonly string[] = [
  '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP',
];

/**
 * The in-sandbox command that becomes `uid` for good: real, effective and saved uid and gid,
 * no supplementary groups, no inheritable or bounding capabilities (bwrap already set
 * no_new_privs and mounts everything nosuid), then execs the rest.
 */
export function dropToUid(uid: number, setpriv = '/usr/bin/setpriv'): string[] {
  return [
    setpriv,
    `--reuid=${uid}`,
    `--regid=${uid}`,
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--',
  ];
}

export interface SandboxUidsOptions {
  base: number;
  count?: number;
  /** Where the host-wide claims live (default: the OS temp dir), one file per uid in use. */
  lockDir: string;
}

/**
 * Hands every live sandbox a uid of its own, so the kernel counts RLIMIT_NPROC per session even
 * when the worker is root (it exempts only the real root user). A session prefers the same uid
 * each time (a hash of its workspace path), so its files rarely need a new owner. A claim is a
 * file `claude-sandbox-uid-<uid>` created exclusively in `lockDir` holding the worker's pid:
 * workers on one host never share a uid; a dead worker's claims are taken over.
 */
export class SandboxUids {
  private readonly count: number;
  private readonly held = new Set<number>();

  constructor(private readonly options: SandboxUidsOptions) {
    this.count = options.count ?? SANDBOX_UID_COUNT;
  }

  get range(): { first: number; last: number } {
    return { first: this.options.base, last: this.options.base + this.count - 1 };
  }

  async acquire(key: string): Promise<number> {
    const start = createHash('sha256').update(key).digest().readUInt32BE(0) % this.count;
    for (let i = 0; i < this.count; i++) {
      const uid = this.options.base + ((start + i) % this.count);
      if (this.held.has(uid)) continue;
      this.held.add(uid);
      if (await this.claim(uid)) return uid;
      this.held.delete(uid);
    }
    throw new SandboxSpecInvalid(
      `all ${this.count} sandbox uids from SANDBOX_UID_BASE=${this.options.base} are in use`,
    );
  }

  async release(uid: number): Promise<void> {
    if (!this.held.delete(uid)) return;
    await unlink(this.lockPath(uid)).catch(() => undefined);
  }

  private lockPath(uid: number): string {
    return join(this.options.lockDir, `claude-sandbox-uid-${uid}`);
  }

  private async claim(uid: number): Promise<boolean> {
    const path = this.lockPath(uid);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const file = await open(path, 'wx', 0o600);
        await file.writeFile(String(process.pid));
        await file.close();
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
        // Another process of this host holds it (or is writing its pid right now).
        if (!owner || owner === process.pid || isAlive(owner)) return false;
        await unlink(path).catch(() => undefined);
      }
    }
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ChownResult {
  scanned: number;
  changed: number;
}

/**
 * Gives `uid` ownership of everything under `roots` (the session's workspace and config dir:
 * files the worker wrote, a seed or a restored checkpoint, are root's). Never follows a link;
 * a file with several hard links changes owner only when a sandbox uid owned it already, so a
 * link planted to a host file could never hand that file over. Runs before the sandbox starts.
 */
export async function chownTree(
  roots: readonly string[],
  uid: number,
  isSandboxUid: (uid: number) => boolean,
): Promise<ChownResult> {
  const result: ChownResult = { scanned: 0, changed: 0 };
  const pending: string[] = [...roots];
  while (pending.length) {
    const batch = pending.splice(0, 64);
    await Promise.all(
      batch.map(async (path) => {
        const stat = await lstat(path).catch(() => undefined);
        if (!stat) return;
        result.scanned++;
        if (stat.isDirectory()) {
          const names = await readdir(path).catch(() => [] as string[]);
          for (const name of names) pending.push(join(path, name));
        }
        if (stat.uid === uid && stat.gid === uid) return;
        if (!stat.isDirectory() && stat.nlink > 1 && !isSandboxUid(stat.uid)) return;
        await lchown(path, uid, uid);
        result.changed++;
      }),
    );
  }
  return result;
}

/**
 * The sandbox extension of a root worker: a uid for this sandbox, its directories handed to it,
 * and the drop to it as the sandbox's first command (bwrap itself runs without a user namespace,
 * see BwrapLauncherOptions.userNamespace).
 */
export function sandboxUser(
  uids: SandboxUids,
  setpriv?: string,
): (spec: LaunchSpec) => Promise<SandboxExtension> {
  const { first, last } = uids.range;
  const isSandboxUid = (uid: number) => uid >= first && uid <= last;
  return async (spec) => {
    const uid = await uids.acquire(spec.workspaceDir);
    try {
      await chownTree([spec.workspaceDir, spec.configDir], uid, isSandboxUid);
    } catch (error) {
      await uids.release(uid);
      throw error;
    }
    return {
      bwrapArgs: [...DROP_TO_UID_CAPS],
      innerPrefix: dropToUid(uid, setpriv),
      release: () => uids.release(uid),
    };
  };
}
