/*
 * What the system has written, as a comparable snapshot: every Redis key under a namespace with
 * a digest of its value (DUMP: the content, never the TTL), and every file under the data
 * directories with its size and modification time. Two snapshots around a batch of rejected
 * requests must be equal: no session record, no queued job, no event, no checkpoint object.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

export interface Footprint {
  /** key → type and digest of its DUMP. */
  keys: Map<string, string>;
  /** path → `size:mtime` (files) or `dir`. */
  files: Map<string, string>;
}

export interface FootprintScope {
  redis: Redis;
  /** SCAN MATCH pattern: the test's namespace (`*<namespace>*`), or `*` on a private server. */
  match: string;
  dirs: string[];
}

export async function takeFootprint(scope: FootprintScope): Promise<Footprint> {
  const keys = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, batch] = await scope.redis.scan(cursor, 'MATCH', scope.match, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) {
      const [type, dump] = await Promise.all([scope.redis.type(key), scope.redis.dumpBuffer(key)]);
      // Gone between SCAN and DUMP (an expiry): not part of this snapshot.
      if (dump) keys.set(key, `${type}:${createHash('sha1').update(dump).digest('hex')}`);
    }
  } while (cursor !== '0');
  const files = new Map<string, string>();
  for (const dir of scope.dirs) walk(dir, files);
  return { keys, files };
}

function walk(dir: string, into: Map<string, string>): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // removed meanwhile
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      into.set(path, 'dir');
      walk(path, into);
      continue;
    }
    try {
      const s = statSync(path);
      into.set(path, `${s.size}:${s.mtimeMs}`);
    } catch {
      // removed meanwhile
    }
  }
}

/**
 * What changes without anything being created: BullMQ's stalled-job check (a timestamp it sets),
 * the files a live CLI writes in its own config dir while it idles (`.last-cleanup`, caches), and
 * each tenant's request counter (requestsPerMinute counts every request, refused or not). A new
 * session's dir is still seen: it appears as `sessions/<id>` itself.
 */
export function changesOnItsOwn(name: string): boolean {
  return (
    name.endsWith(':stalled-check') ||
    /:tenant:\{[^}]+\}:requests$/.test(name) ||
    /[/\\]sessions[/\\][^/\\]+[/\\]cfg[/\\]/.test(name)
  );
}

/**
 * What differs between two footprints, one line each ("+ key", "- key", "~ key"), leaving out
 * what `ignore` names (keys that change on their own, such as BullMQ's stalled-job check).
 */
export function footprintChanges(
  before: Footprint,
  after: Footprint,
  ignore: (name: string) => boolean = () => false,
): string[] {
  const changes: string[] = [];
  const compare = (a: Map<string, string>, b: Map<string, string>, what: string) => {
    for (const [name, value] of b) {
      if (ignore(name)) continue;
      if (!a.has(name)) changes.push(`+ ${what} ${name}`);
      else if (a.get(name) !== value) changes.push(`~ ${what} ${name}`);
    }
    for (const name of a.keys()) {
      if (!ignore(name) && !b.has(name)) changes.push(`- ${what} ${name}`);
    }
  };
  compare(before.keys, after.keys, 'redis key');
  compare(before.files, after.files, 'file');
  return changes;
}

/** The most bytes Redis holds for any one of `keys` (MEMORY USAGE), e.g. replay history. */
export async function largestKeyBytes(redis: Redis, keys: Iterable<string>): Promise<number> {
  let largest = 0;
  for (const key of keys) largest = Math.max(largest, Number(await redis.memory('USAGE', key)));
  return largest;
}

/** Peak resident set size of a process while sampling runs (the test's own, or a child's). */
export class RssSampler {
  private timer: NodeJS.Timeout;
  readonly baselineMiB: number;
  peakMiB: number;

  constructor(
    private readonly read: () => number = () => process.memoryUsage().rss / 2 ** 20,
    intervalMs = 20,
  ) {
    this.baselineMiB = read();
    this.peakMiB = this.baselineMiB;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): number {
    const now = this.read();
    this.peakMiB = Math.max(this.peakMiB, now);
    return now;
  }

  stop(): { baselineMiB: number; peakMiB: number; endMiB: number } {
    clearInterval(this.timer);
    const endMiB = this.sample();
    return { baselineMiB: this.baselineMiB, peakMiB: this.peakMiB, endMiB };
  }
}
