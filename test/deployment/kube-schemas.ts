import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { KubeObject } from './kustomize';

/**
 * Checks each object against the schema of its apiVersion and kind (Kubernetes, KEDA,
 * prometheus-operator): for each, null or the error naming every bad field. One child process
 * per call (see kube-validators.mjs), so pass all objects at once.
 */
export function schemaErrors(objects: KubeObject[]): (string | null)[] {
  const out = execFileSync(process.execPath, [join(__dirname, 'kube-validators.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as (string | null)[];
}
