import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from './kustomize';

/** Reading the shipped deployment files: what they run and which variables they set. */

export const ROOT = join(__dirname, '../..');

type Container = {
  name?: string;
  image?: string;
  envFrom?: { configMapRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
};

export function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} rendered`);
  return found;
}

export function containers(workload: KubeObject): Container[] {
  return (workload.spec as { template: { spec: { containers: Container[] } } }).template.spec
    .containers;
}

/** Pods of one role (`role` label), e.g. the NetworkPolicies that select Redis. */
export function selectsRole(policy: KubeObject, role: string): boolean {
  const spec = policy.spec as { podSelector?: { matchLabels?: Record<string, string> } };
  return spec.podSelector?.matchLabels?.role === role;
}

/**
 * Variables the gateway and worker containers get: their ConfigMaps' data and their own env
 * (a Secret's keys read `<secret>`: the operator creates that Secret).
 */
export function k8sEnvironment(objects: KubeObject[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const name of ['gateway', 'worker']) {
    for (const container of containers(find(objects, 'Deployment', name))) {
      for (const source of container.envFrom ?? []) {
        const ref = source.configMapRef?.name;
        if (!ref) continue;
        const data = (find(objects, 'ConfigMap', ref).data ?? {}) as Record<string, string>;
        for (const [key, value] of Object.entries(data)) env.set(key, value);
      }
      for (const entry of container.env ?? []) env.set(entry.name, entry.value ?? '<secret>');
    }
  }
  return env;
}

export type ComposeFile = {
  services: Record<string, { environment?: Record<string, string> } & Record<string, unknown>>;
} & Record<string, unknown>;

/** docker-compose.yml with its YAML merge keys (`<<: *app-environment`) resolved, as Compose does. */
export function readCompose(): ComposeFile {
  return parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
}

/** Variables the gateway and worker services get. */
export function composeEnvironment(compose: ComposeFile): Map<string, string> {
  const env = new Map<string, string>();
  for (const name of ['gateway', 'worker']) {
    for (const [key, value] of Object.entries(compose.services[name].environment ?? {})) {
      env.set(key, String(value));
    }
  }
  return env;
}

export function onPath(command: string): boolean {
  try {
    execFileSync('which', [command], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
