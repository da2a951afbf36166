import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueKeys } from 'bullmq';
import { TURN_QUEUE, queuePrefix } from '@app/contracts/keys';
import { placeholderIn } from '@app/config/placeholder-secrets';
import { schemaErrors } from './kube-schemas';
import { unknownFieldErrors } from './kube-types';
import { parseYamlDocuments, renderKustomization, type KubeObject } from './kustomize';
import { containers, find, k8sEnvironment, onPath, selectsRole } from './manifests';

/** The manifests in k8s/, rendered as `kubectl apply -k` would, checked without a cluster. */
const K8S = join(__dirname, '../../k8s');
const OVERLAYS = ['example', 'example-hpa'];
const rendered = new Map(OVERLAYS.map((o) => [o, renderKustomization(join(K8S, 'overlays', o))]));
const example = rendered.get('example') ?? [];

/** Deliberately broken copies of rendered objects: the validator must name the bad field. */
const replicas = structuredClone(find(example, 'Deployment', 'worker'));
(replicas.spec as { replicas: unknown }).replicas = 'two';
const nameless = structuredClone(find(example, 'Deployment', 'worker'));
delete (containers(nameless)[0] as { name?: string }).name;
const untargeted = structuredClone(find(example, 'ScaledObject', 'worker'));
delete (untargeted.spec as { scaleTargetRef?: unknown }).scaleTargetRef;
const broken = [replicas, nameless, untargeted];
/** Misspelt fields: the schemas allow unknown fields, and the API server would drop these. */
const misspelt = structuredClone(find(example, 'Deployment', 'worker'));
(containers(misspelt)[0] as Record<string, unknown>).imagePulPolicy = 'Always';
const misnamed = structuredClone(find(example, 'ScaledObject', 'worker'));
(misnamed.spec as Record<string, unknown>).maxReplicas = 4; // KEDA: maxReplicaCount

/** Schema errors of every object above, from one child process (loading schemas takes ~0.5 s). */
const errors = new Map<KubeObject, string | null>();
/** Unknown fields of every object above, from one TypeScript compile (~2 s). */
const unknown = new Map<KubeObject, string | null>();
beforeAll(() => {
  const all = [...rendered.values(), broken].flat();
  schemaErrors(all).forEach((error, i) => errors.set(all[i], error));
  const typed = [...rendered.values(), [misspelt, misnamed]].flat();
  unknownFieldErrors(typed).forEach((error, i) => unknown.set(typed[i], error));
});

/** `Kind/name: error` for each object that breaks its schema. */
function invalid(objects: KubeObject[]): string[] {
  return objects.flatMap((o) => {
    const error = errors.get(o);
    return error === null ? [] : [`${o.kind}/${o.metadata.name}: ${error ?? 'not checked'}`];
  });
}

describe.each(OVERLAYS)('k8s/overlays/%s', (overlay) => {
  const objects = rendered.get(overlay) ?? [];

  it('renders only objects that pass the Kubernetes, KEDA and prometheus-operator schemas', () => {
    expect(objects.length).toBeGreaterThan(20);
    expect(invalid(objects)).toEqual([]);
  });

  it('renders no field the schemas do not know (a typo the API server would drop)', () => {
    const found = objects.flatMap((o) => {
      const error = unknown.get(o);
      return error === null ? [] : [`${o.kind}/${o.metadata.name}: ${error ?? 'not checked'}`];
    });
    expect(found).toEqual([]);
  });

  (onPath('kubectl') ? it : it.skip)('renders as `kubectl kustomize` does (needs kubectl)', () => {
    const dir = join(K8S, 'overlays', overlay);
    const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    const theirs = parseYamlDocuments(out, overlay) as KubeObject[];
    const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const byKey = (list: KubeObject[]) => new Map(list.map((o) => [key(o), o]));
    expect(byKey(objects)).toEqual(byKey(theirs));
  });

  it('ships no Secret and no placeholder credential', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const placeholders = JSON.stringify(objects)
      .match(/"[^"]*"/g)
      ?.filter(placeholderIn);
    expect(placeholders ?? []).toEqual([]);
  });
});

describe('a broken manifest', () => {
  it('is refused with a message naming the field', () => {
    expect(broken.map((object) => errors.get(object))).toEqual([
      'data/spec/replicas must be integer',
      'data/spec/template/spec/containers/0 must have required property name',
      'data/spec must have required property scaleTargetRef',
    ]);
  });

  it('is refused when it misspells a field, naming it', () => {
    expect(unknown.get(misspelt)).toMatch(/'"imagePulPolicy"' does not exist in type 'IContainer'/);
    expect(unknown.get(misnamed)).toMatch(/'"maxReplicas"' does not exist/);
  });
});

describe('k8s/ agrees with the apps', () => {
  const env = k8sEnvironment(example);
  const workerSpec = find(example, 'Deployment', 'worker').spec as {
    template: { spec: { terminationGracePeriodSeconds: number } };
  };
  const concurrency = Number(env.get('WORKER_CONCURRENCY'));

  it('gives a worker its drain deadline plus a margin to hibernate before SIGKILL', () => {
    const grace = workerSpec.template.spec.terminationGracePeriodSeconds * 1000;
    expect(grace).toBeGreaterThanOrEqual(Number(env.get('WORKER_DRAIN_MS')) + 15_000);
  });

  it('scales workers on the BullMQ keys the turn queue really uses', () => {
    const keys = new QueueKeys(queuePrefix('')).getKeys(TURN_QUEUE);
    const scaled = find(example, 'ScaledObject', 'worker').spec as {
      triggers: { name: string; type: string; metadata: { listName: string } }[];
      advanced: { scalingModifiers: { formula: string; target: string } };
    };
    const lists = Object.fromEntries(scaled.triggers.map((t) => [t.name, t.metadata.listName]));
    expect(lists).toEqual({
      waiting: keys.wait,
      prioritized: keys.prioritized,
      active: keys.active,
    });
    expect(scaled.advanced.scalingModifiers.formula).toBe('waiting + prioritized + active');
    expect(Number(scaled.advanced.scalingModifiers.target)).toBe(concurrency);

    const hpa = find(rendered.get('example-hpa') ?? [], 'HorizontalPodAutoscaler', 'worker');
    expect(JSON.stringify(hpa.spec)).toContain(`"averageValue":"${concurrency}"`);
  });

  it('keeps the Ingress open longer than the longest waited call', () => {
    const ingress = find(example, 'Ingress', 'gateway');
    const annotations = ingress.metadata.annotations ?? {};
    const timeout = Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']);
    expect(timeout * 1000).toBeGreaterThan(Number(env.get('TURN_WAIT_MAX_MS')));
    expect(annotations['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
  });

  it('lets only gateways and workers reach Redis, and only workers reach the internet', () => {
    const policies = example.filter((o) => o.kind === 'NetworkPolicy');
    const peers = policies
      .filter((policy) => selectsRole(policy, 'redis'))
      .flatMap((policy) => (policy.spec as { ingress: { from: unknown[] }[] }).ingress)
      .flatMap((rule) => rule.from);
    const role = (name: string) => ({
      podSelector: { matchLabels: { app: 'claude-sessions', role: name } },
    });
    const keda = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'keda-operator' } },
    };
    // KEDA's operator reads the queue lengths; nothing else reaches Redis.
    expect(peers).toEqual([role('gateway'), role('worker'), keda]);
    const internet = policies.filter((p) => JSON.stringify(p.spec).includes('0.0.0.0/0'));
    expect(internet.map((p) => p.metadata.name)).toEqual(['worker']);
  });

  it('lists every csb_* metric the alerts, dashboard and HPA use as expected from /metrics', () => {
    const rule = readFileSync(join(K8S, 'monitoring/prometheus-rule.yaml'), 'utf8');
    const expected = new Set(rule.match(/^#\s+(csb_\w+)/gm)?.map((line) => line.split(/\s+/)[1]));
    const used = [
      JSON.stringify(find(example, 'PrometheusRule', 'claude-sessions').spec),
      readFileSync(join(K8S, 'monitoring/grafana-dashboard.json'), 'utf8'),
      readFileSync(join(K8S, 'scaling/hpa-metrics/worker-hpa.yaml'), 'utf8'),
    ]
      .join('\n')
      .match(/csb_\w+/g)
      ?.map((name) => name.replace(/_bucket$/, ''))
      .filter((name) => name !== 'csb_turns_in_hand'); // the adapter's name for a sum of two
    expect(used?.length).toBeGreaterThan(5);
    expect([...new Set(used)].filter((name) => !expected.has(name))).toEqual([]);
  });
});
