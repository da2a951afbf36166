// The schema validators of kubernetes-models (Kubernetes, KEDA, prometheus-operator), run as a
// child process by kube-schemas.ts: the packages ship ES modules only, which jest's CommonJS
// runtime cannot load. Reads a JSON array of objects on stdin, writes one entry per object:
// null, or the error naming each bad field.
import { readFileSync } from 'node:fs';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';

// The kinds k8s/ uses, one module each (a group's index loads every kind: twice as slow).
const models = new Map(
  [
    ConfigMap,
    Namespace,
    Service,
    Deployment,
    StatefulSet,
    HorizontalPodAutoscaler,
    Job,
    Ingress,
    NetworkPolicy,
    PodDisruptionBudget,
    ScaledObject,
    PrometheusRule,
    ServiceMonitor,
  ].map((model) => [`${model.apiVersion}/${model.kind}`, model]),
);

/** Throws naming each field that breaks the schema (`data/spec/replicas must be integer`). */
function validate(object) {
  const Model = models.get(`${object.apiVersion}/${object.kind}`);
  if (!Model)
    throw new Error(`no schema loaded for ${object.apiVersion} ${object.kind}: import it above`);
  new Model(object).validate();
}

const errors = JSON.parse(readFileSync(0, 'utf8')).map((object) => {
  try {
    validate(object);
    return null;
  } catch (error) {
    return error.message;
  }
});
process.stdout.write(JSON.stringify(errors));
