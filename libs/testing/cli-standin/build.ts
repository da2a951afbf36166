/**
 * Builds the CLI stand-in (cli-standin.c) once per source version: the binary lands in
 * node_modules/.cache/cli-standin/<sha256 of source, compiler and flags>/cli-standin and is
 * reused while they are unchanged. See README.md.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CLI_STANDIN_SOURCE = resolve(__dirname, 'cli-standin.c');
/** The recordings it replays unless CLI_STANDIN_DIR says otherwise (baked into the binary). */
export const RECORDINGS_DIR = resolve(__dirname, '../../../test/fixtures/cli');
const DEFAULT_CACHE = resolve(__dirname, '../../../node_modules/.cache/cli-standin');

/**
 * C99 + POSIX (+ Linux's ppoll and getrandom). A JSON string is a valid C string literal for
 * the path, so the define survives any character a directory name may hold.
 */
export const CLI_STANDIN_CFLAGS: readonly string[] = [
  '-std=c99',
  '-O2',
  '-Wall',
  '-Wextra',
  `-DSTANDIN_DEFAULT_DIR=${JSON.stringify(RECORDINGS_DIR)}`,
];

export interface BuildCliStandinOptions {
  /** The C compiler (default `cc`). */
  cc?: string;
  /** Where builds are cached (default node_modules/.cache/cli-standin). */
  cacheDir?: string;
  /** Extra compiler flags (part of the cache key), e.g. `-Werror`. */
  extraFlags?: readonly string[];
}

export class CliStandinBuildError extends Error {}

/** Returns the path of the compiled stand-in, compiling it first if needed. */
export async function buildCliStandin(options: BuildCliStandinOptions = {}): Promise<string> {
  const cc = options.cc ?? 'cc';
  const flags = [...CLI_STANDIN_CFLAGS, ...(options.extraFlags ?? [])];
  const key = createHash('sha256')
    .update(readFileSync(CLI_STANDIN_SOURCE))
    .update(`\0${cc}\0${flags.join('\0')}`)
    .digest('hex')
    .slice(0, 16);
  const dir = join(options.cacheDir ?? DEFAULT_CACHE, key);
  const binary = join(dir, 'cli-standin');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  // Compile to a private name and rename: concurrent builders never see a half-written binary.
  const partial = `${binary}.${process.pid}.tmp`;
  try {
    await compile(cc, [...flags, '-o', partial, CLI_STANDIN_SOURCE]);
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
        new CliStandinBuildError(
          error.code === 'ENOENT'
            ? `C compiler "${cc}" not found on PATH: the CLI stand-in needs one (e.g. apt-get install gcc)`
            : `could not run C compiler "${cc}": ${error.message}`,
        ),
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else {
        const how = signal ?? `exit ${code}`;
        reject(
          new CliStandinBuildError(`${cc} ${args.join(' ')} failed (${how}):\n${output.trim()}`),
        );
      }
    });
  });
}
