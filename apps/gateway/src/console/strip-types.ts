import { Worker } from 'node:worker_threads';

/**
 * Runs in a worker thread: amaro (Node's own type stripper, as a package) costs ~170 ms to load
 * and ~24 MiB that would otherwise stay in the gateway for good; in a thread, the gateway's
 * event loop keeps relaying streams meanwhile and the memory goes with the thread.
 */
const STRIPPER = `
const { parentPort, workerData } = require('node:worker_threads');
const { transformSync } = require(workerData.amaro);
const results = workerData.sources.map((source) => {
  try {
    return { code: transformSync(source, { mode: 'strip-only' }).code };
  } catch (error) {
    return { error: String(error && error.message ? error.message : error) };
  }
});
parentPort.postMessage(results);
`;

export class TypeStripFailed extends Error {
  override readonly name = 'TypeStripFailed';
}

/**
 * The sources with their TypeScript types erased (replaced by blanks: lines and columns stay
 * where they were, so the browser's errors point into the source as written). Throws
 * TypeStripFailed naming the first file with syntax that cannot be erased (an enum...).
 */
export async function stripTypes(
  sources: ReadonlyArray<{ name: string; source: string }>,
): Promise<string[]> {
  const results = await new Promise<Array<{ code?: string; error?: string }>>((resolve, reject) => {
    const worker = new Worker(STRIPPER, {
      eval: true,
      workerData: { amaro: require.resolve('amaro'), sources: sources.map((s) => s.source) },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new TypeStripFailed(`type stripper exited (${code})`)));
  });
  return results.map((result, i) => {
    if (result.code !== undefined) return result.code;
    throw new TypeStripFailed(`${sources[i].name}: ${result.error ?? 'no output'}`);
  });
}
