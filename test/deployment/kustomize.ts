import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * The subset of kustomize that k8s/ uses, so the manifests are rendered and checked without a
 * cluster or a kustomize binary: resources (files and directories), strategic-merge patches
 * (maps merged, named list items merged by name, `$patch: delete`), namespace, images and
 * configMapGenerator from files. A field it does not know fails the render instead of being
 * ignored; k8s.test.ts compares the result with `kubectl kustomize` where kubectl is installed.
 */

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
} & Record<string, unknown>;

type Kustomization = {
  resources?: string[];
  patches?: { path: string }[];
  namespace?: string;
  images?: { name: string; newName?: string; newTag?: string }[];
  configMapGenerator?: {
    name: string;
    files: string[];
    options?: { disableNameSuffixHash?: boolean; labels?: Record<string, string> };
  }[];
};

const KNOWN_FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'patches',
  'namespace',
  'images',
  'configMapGenerator',
]);
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
]);

/** Every YAML document of a file, as plain objects (comments and empty documents dropped). */
export function readYamlDocuments(path: string): unknown[] {
  return parseYamlDocuments(readFileSync(path, 'utf8'), path);
}

export function parseYamlDocuments(text: string, source: string): unknown[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0].message}`);
      return doc.toJS({ maxAliasCount: 100 }) as unknown;
    })
    .filter((doc) => doc !== null && doc !== undefined);
}

export function renderKustomization(dir: string): KubeObject[] {
  const [kustomization] = readYamlDocuments(join(dir, 'kustomization.yaml')) as Kustomization[];
  const unknown = Object.keys(kustomization).filter((key) => !KNOWN_FIELDS.has(key));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml: unsupported ${unknown}`);

  let objects: KubeObject[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    objects.push(
      ...(statSync(path).isDirectory()
        ? renderKustomization(path)
        : readYamlDocuments(path).map((doc) => asObject(doc, path))),
    );
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    if (!generator.options?.disableNameSuffixHash) throw new Error('name hashes are not rendered');
    const data = Object.fromEntries(
      generator.files.map((file) => [basename(file), readFileSync(join(dir, file), 'utf8')]),
    );
    const labels = generator.options.labels;
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: generator.name, ...(labels ? { labels } : {}) },
      data,
    });
  }
  for (const { path } of kustomization.patches ?? []) {
    for (const patch of readYamlDocuments(join(dir, path))) {
      objects = applyPatch(objects, asObject(patch, path));
    }
  }
  const { namespace, images = [] } = kustomization;
  return objects.map((object) => {
    let out = object;
    if (namespace && !CLUSTER_SCOPED.has(out.kind)) {
      out = { ...out, metadata: { ...out.metadata, namespace } };
    }
    return images.length > 0 ? (setImages(out, images) as KubeObject) : out;
  });
}

function asObject(doc: unknown, source: string): KubeObject {
  const object = doc as Partial<KubeObject>;
  if (!object.apiVersion || !object.kind || !object.metadata?.name) {
    throw new Error(`${source}: a document without apiVersion, kind or metadata.name`);
  }
  return object as KubeObject;
}

const sameObject = (a: KubeObject, b: KubeObject) =>
  a.apiVersion === b.apiVersion && a.kind === b.kind && a.metadata.name === b.metadata.name;

function applyPatch(objects: KubeObject[], patch: KubeObject): KubeObject[] {
  const target = objects.find((object) => sameObject(object, patch));
  if (!target) throw new Error(`patch ${patch.kind}/${patch.metadata.name} matches no resource`);
  if (patch.$patch === 'delete') return objects.filter((object) => object !== target);
  return objects.map((object) =>
    object === target ? (merge(object, patch) as KubeObject) : object,
  );
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Strategic merge as far as k8s/ needs it: lists of named items merge by name. */
function merge(base: unknown, patch: unknown): unknown {
  if (isMap(base) && isMap(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else out[key] = key in base ? merge(base[key], value) : value;
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch) && patch.every((p) => isMap(p) && p.name)) {
    const out = base.map((item) => {
      const match = patch.find((p) => isMap(item) && (p as { name: unknown }).name === item.name);
      return match ? merge(item, match) : item;
    });
    const added = patch.filter((p) => !base.some((b) => isMap(b) && b.name === p.name));
    return [...out, ...added];
  }
  return patch;
}

/** kustomize's images transformer, for `name` and `name:tag` in any container list. */
function setImages(value: unknown, images: NonNullable<Kustomization['images']>): unknown {
  if (Array.isArray(value)) return value.map((item) => setImages(item, images));
  if (!isMap(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = setImages(child, images);
  }
  if (typeof value.image === 'string' && typeof value.name === 'string') {
    const [name, oldTag] = value.image.split(':');
    const rule = images.find((image) => image.name === name);
    const tag = rule?.newTag ?? oldTag;
    if (rule) out.image = `${rule.newName ?? name}${tag ? `:${tag}` : ''}`;
  }
  return out;
}
