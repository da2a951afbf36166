import { join } from 'node:path';
import ts from 'typescript';
import type { KubeObject } from './kustomize';

/**
 * The kinds k8s/ uses and their interfaces in kubernetes-models (Kubernetes, KEDA,
 * prometheus-operator): the same definitions as the schema validators, as TypeScript types.
 */
const TYPES: Record<string, [module: string, type: string]> = {
  'v1/ConfigMap': ['kubernetes-models/v1/ConfigMap', 'IConfigMap'],
  'v1/Namespace': ['kubernetes-models/v1/Namespace', 'INamespace'],
  'v1/Service': ['kubernetes-models/v1/Service', 'IService'],
  'apps/v1/Deployment': ['kubernetes-models/apps/v1/Deployment', 'IDeployment'],
  'apps/v1/StatefulSet': ['kubernetes-models/apps/v1/StatefulSet', 'IStatefulSet'],
  'autoscaling/v2/HorizontalPodAutoscaler': [
    'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    'IHorizontalPodAutoscaler',
  ],
  'batch/v1/Job': ['kubernetes-models/batch/v1/Job', 'IJob'],
  'networking.k8s.io/v1/Ingress': ['kubernetes-models/networking.k8s.io/v1/Ingress', 'IIngress'],
  'networking.k8s.io/v1/NetworkPolicy': [
    'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    'INetworkPolicy',
  ],
  'policy/v1/PodDisruptionBudget': [
    'kubernetes-models/policy/v1/PodDisruptionBudget',
    'IPodDisruptionBudget',
  ],
  'keda.sh/v1alpha1/ScaledObject': [
    '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject',
    'IScaledObject',
  ],
  'monitoring.coreos.com/v1/PrometheusRule': [
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
    'IPrometheusRule',
  ],
  'monitoring.coreos.com/v1/ServiceMonitor': [
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
    'IServiceMonitor',
  ],
};

/**
 * Fields the schemas do not know (a misspelt `imagePulPolicy`, `replica` for `replicas`): the
 * schema validators let them through, as the Kubernetes schemas allow unknown fields, and the API
 * server would drop them without a word. Each object becomes an object literal typed with its
 * kind's interface, and TypeScript's excess-property check names the field (the first one of
 * each object). For each object: null, or the message. One compile for all: pass them together.
 */
export function unknownFieldErrors(objects: KubeObject[]): (string | null)[] {
  const imports = new Set<string>();
  const lines = objects.map((object, i) => {
    const known = TYPES[`${object.apiVersion}/${object.kind}`];
    if (!known) throw new Error(`no type for ${object.apiVersion} ${object.kind}: add it above`);
    imports.add(`import type { ${known[1]} } from '${known[0]}';`);
    return `export const object${i}: ${known[1]} = ${JSON.stringify(object)};`;
  });
  const header = [...imports];
  const file = join(__dirname, '__rendered_manifests__.ts');
  const source = [...header, ...lines].join('\n');
  const host = ts.createCompilerHost({});
  const { fileExists, getSourceFile } = host;
  host.fileExists = (name) => name === file || fileExists(name);
  host.getSourceFile = (name, language, ...rest) =>
    name === file
      ? ts.createSourceFile(name, source, language)
      : getSourceFile(name, language, ...rest);
  const program = ts.createProgram(
    [file],
    {
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      types: [],
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
    },
    host,
  );
  const errors: (string | null)[] = objects.map(() => null);
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    if (diagnostic.file?.fileName !== file || diagnostic.start === undefined) {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    }
    const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    const index = line - header.length;
    errors[index] ??= ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
  }
  return errors;
}
