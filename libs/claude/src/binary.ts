import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { ClaudeBinaryNotFound } from './errors';

export interface BinaryLookup {
  /** CLAUDE_BIN: when set it is the only candidate, so a typo is never masked by another install. */
  explicit?: string;
  /** PATH to search. */
  path?: string;
  /**
   * Folders whose node_modules/.bin is searched last (default: cwd, then every folder above this
   * file, as Node resolves modules: the repository root from source and from dist/ alike).
   */
  roots?: string[];
}

function ancestors(dir: string): string[] {
  const out = [dir];
  while (dirname(out[out.length - 1]) !== out[out.length - 1])
    out.push(dirname(out[out.length - 1]));
  return out;
}

/** Finds the claude CLI: CLAUDE_BIN, then PATH, then node_modules/.bin. */
export function discoverClaudeBinary(lookup: BinaryLookup = {}): string {
  const candidates = lookup.explicit
    ? [resolve(lookup.explicit)]
    : [
        ...(lookup.path ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, 'claude')),
        ...unique(lookup.roots ?? [process.cwd(), ...ancestors(__dirname)]).map((root) =>
          join(root, 'node_modules', '.bin', 'claude'),
        ),
      ];
  const found = candidates.find(isExecutableFile);
  if (!found) throw new ClaudeBinaryNotFound(candidates);
  return found;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function unique(items: string[]): string[] {
  return [...new Set(items.map((p) => resolve(p)))];
}
