/**
 * A real source tree for the workspace benchmark: files copied from this repository's
 * node_modules (JavaScript, type definitions, JSON, a few large bundles), 1,000 files / ~50 MB.
 */
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export interface Corpus {
  files: string[];
  bytes: number;
}

const SOURCE_EXT = /\.(js|cjs|mjs|ts|json|md|map)$/;

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile() && SOURCE_EXT.test(entry.name)) yield path;
  }
}

/**
 * Takes ordinary sources (under 256 KiB) in directory order, leaving room for up to 100 large
 * files that then bring the total to `targetBytes` (a real tree: many small files, a few big
 * ones such as bundles).
 */
export function buildCorpus(
  nodeModules: string,
  target: string,
  fileCount = 1_000,
  targetBytes = 50 * 1024 * 1024,
): Corpus {
  const candidates = [...walk(nodeModules)].map((path) => ({ path, size: statSync(path).size }));
  const chosen = new Map<string, number>();
  let bytes = 0;
  const large = 100;
  for (const c of candidates) {
    if (chosen.size >= fileCount - large) break;
    if (c.size > 256 * 1024) continue;
    chosen.set(c.path, c.size);
    bytes += c.size;
  }
  for (const c of [...candidates].sort((a, b) => b.size - a.size)) {
    if (chosen.size >= fileCount || bytes >= targetBytes) break;
    if (chosen.has(c.path) || bytes + c.size > targetBytes) continue;
    chosen.set(c.path, c.size);
    bytes += c.size;
  }
  for (const c of candidates) {
    if (chosen.size >= fileCount) break;
    if (!chosen.has(c.path) && c.size <= 4096) {
      chosen.set(c.path, c.size);
      bytes += c.size;
    }
  }
  const files: string[] = [];
  for (const path of chosen.keys()) {
    const rel = relative(nodeModules, path);
    mkdirSync(dirname(join(target, rel)), { recursive: true });
    copyFileSync(path, join(target, rel));
    files.push(rel);
  }
  return { files, bytes };
}
