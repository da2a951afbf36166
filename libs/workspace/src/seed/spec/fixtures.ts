import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { SeedRejected, type SeedRejectReason } from '../errors';
import type { SeedLimits } from '../seed-limits';

export function limits(overrides: Partial<SeedLimits> = {}): SeedLimits {
  return {
    maxBytes: 10 * 1024 * 1024,
    maxFiles: 1000,
    gitAllowedUrls: ['https://'],
    gitTimeoutMs: 30_000,
    ...overrides,
  };
}

export interface TarEntry {
  header: Partial<Header> & { name: string };
  content?: string | Buffer;
}

/** A tar (or tar.gz) built with tar-stream, as the base64 an MCP client would send. */
export async function tarBase64(entries: TarEntry[], gzip = false): Promise<string> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  for (const { header, content } of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (content === undefined) tar.entry(header, cb);
      else tar.entry(header, content, cb);
    });
  }
  tar.finalize();
  await done;
  const bytes = Buffer.concat(chunks);
  return (gzip ? gzipSync(bytes) : bytes).toString('base64');
}

/** A scratch parent directory; `target` inside it does not exist yet. */
export async function scratch(): Promise<{
  parent: string;
  target: string;
  cleanup: () => Promise<void>;
}> {
  const parent = await mkdtemp(join(tmpdir(), 'seed-spec-'));
  return {
    parent,
    target: join(parent, 'ws'),
    cleanup: () => rm(parent, { recursive: true, force: true }),
  };
}

/** The parent holds nothing: no target, no temporary staging directory. */
export async function expectNothingLeft(parent: string): Promise<void> {
  expect(await readdir(parent)).toEqual([]);
}

export async function rejection(work: Promise<unknown>): Promise<SeedRejected> {
  try {
    await work;
  } catch (err) {
    if (err instanceof SeedRejected) return err;
    throw err;
  }
  throw new Error('expected the seed to be rejected');
}

export async function expectRejected(
  work: Promise<unknown>,
  reason: SeedRejectReason,
): Promise<SeedRejected> {
  const err = await rejection(work);
  expect({ reason: err.reason, message: err.message }).toEqual({
    reason,
    message: expect.any(String),
  });
  return err;
}

/** Runs git for building test repositories, isolated from the user's config. */
export function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: tmpdir(),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Seed Test',
      GIT_AUTHOR_EMAIL: 'seed@example.com',
      GIT_COMMITTER_NAME: 'Seed Test',
      GIT_COMMITTER_EMAIL: 'seed@example.com',
    },
  }).trim();
}
