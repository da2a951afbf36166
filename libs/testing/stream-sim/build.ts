/**
 * Builds the C stream simulator (stream-sim.c) once per source version: the binary lands in
 * node_modules/.cache/stream-sim/<sha256 of source and flags>/stream-sim and is reused while
 * the source is unchanged. See README.md.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const STREAM_SIM_SOURCE = resolve(__dirname, 'stream-sim.c');
/** C99 + POSIX; -std=c99 also keeps floating-point contraction off, so costs round as in JS. */
export const STREAM_SIM_CFLAGS: readonly string[] = ['-std=c99', '-O2', '-Wall', '-Wextra'];
const DEFAULT_CACHE = resolve(__dirname, '../../../node_modules/.cache/stream-sim');

export interface BuildStreamSimOptions {
  /** The C compiler (default `cc`). */
  cc?: string;
  /** Where builds are cached (default node_modules/.cache/stream-sim). */
  cacheDir?: string;
  /** Extra compiler flags (part of the cache key), e.g. `-Werror`. */
  extraFlags?: readonly string[];
}

export class StreamSimBuildError extends Error {}

/** Returns the path of the compiled simulator, compiling it first if needed. */
export async function buildStreamSim(options: BuildStreamSimOptions = {}): Promise<string> {
  const cc = options.cc ?? 'cc';
  const flags = [...STREAM_SIM_CFLAGS, ...(options.extraFlags ?? [])];
  const source = readFileSync(STREAM_SIM_SOURCE);
  const key = createHash('sha256')
    .update(source)
    .update(`\0${cc}\0${flags.join(' ')}`)
    .digest('hex')
    .slice(0, 16);
  const dir = join(options.cacheDir ?? DEFAULT_CACHE, key);
  const binary = join(dir, 'stream-sim');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  // Compile to a private name and rename: concurrent builders never see a half-written binary.
  const partial = `${binary}.${process.pid}.tmp`;
  try {
    await compile(cc, [...flags, '-o', partial, STREAM_SIM_SOURCE]);
    renameSync(partial, binary);
  } catch (error) {
    rmSync(partial, { force: true });
    try {
      rmdirSync(dir); // only if empty: another process may have built it meanwhile
    } catch {
      // not empty or already gone
    }
    throw error;
  }
  return binary;
}

function compile(cc: string, args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cc, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        new StreamSimBuildError(
          error.code === 'ENOENT'
            ? `C compiler "${cc}" not found on PATH: stream-sim needs a C99 compiler (e.g. apt-get install gcc)`
            : `could not run C compiler "${cc}": ${error.message}`,
        ),
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else
        reject(
          new StreamSimBuildError(
            `${cc} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${output.trim()}`,
          ),
        );
    });
  });
}
