/**
 * Assembles a kustomization the way `kustomize build` does, for the subset deploy/kubernetes uses:
 * `resources` (files and directories), `patches` (strategic merge patches, and JSON 6902 patches
 * with a `target`), and `images`. Any other key is refused, so the manifests cannot start using a
 * feature this check does not apply. Enough to validate the assembled output without a cluster.
 * @module
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

/** A Kubernetes object as YAML gives it. */
export type Resource = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string } };

type Json = Record<string, unknown>;

const KNOWN_KEYS = new Set(['apiVersion', 'kind', 'resources', 'patches', 'images']);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every document of a YAML file, in order. */
export function readResources(file: string): Resource[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
    return doc.toJSON() as Resource;
  });
}

/** A strategic merge, as far as these manifests need: maps merge, lists of named items merge by name, other lists are replaced. */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isObject(base) && isObject(patch)) {
    const out: Json = { ...base };
    for (const [key, value] of Object.entries(patch)) out[key] = key in base ? strategicMerge(base[key], value) : value;
    return out;
  }
  if (
    Array.isArray(base) &&
    Array.isArray(patch) &&
    [...base, ...patch].every((item) => isObject(item) && typeof item['name'] === 'string')
  ) {
    const out = base.map((item) => {
      const over = patch.find((p) => (p as Json)['name'] === (item as Json)['name']);
      return over === undefined ? item : strategicMerge(item, over);
    });
    for (const item of patch) if (!base.some((b) => (b as Json)['name'] === (item as Json)['name'])) out.push(item);
    return out;
  }
  return patch;
}

/** Applies JSON 6902 `add`, `replace` and `remove` operations. */
export function jsonPatch(target: unknown, ops: ReadonlyArray<{ op: string; path: string; value?: unknown }>): unknown {
  const root = structuredClone(target);
  for (const { op, path, value } of ops) {
    const keys = path
      .split('/')
      .slice(1)
      .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = keys.pop();
    let node: unknown = root;
    for (const key of keys) node = (node as Json)[key];
    if (last === undefined || typeof node !== 'object' || node === null) throw new Error(`patch path ${path} does not exist`);
    const holder = node as Json;
    if (op !== 'add' && !(last in holder)) throw new Error(`patch path ${path} does not exist`);
    if (Array.isArray(holder) && op === 'add') holder.splice(last === '-' ? holder.length : Number(last), 0, value);
    else if (Array.isArray(holder) && op === 'remove') holder.splice(Number(last), 1);
    else if (op === 'remove') delete holder[last];
    else if (op === 'add' || op === 'replace') holder[last] = value;
    else throw new Error(`patch operation ${op} is not supported`);
  }
  return root;
}

function matches(resource: Resource, kind: string, name: string): boolean {
  return resource.kind === kind && resource.metadata.name === name;
}

/** `kustomize build dir`, for the subset above. */
export function build(dir: string): Resource[] {
  const kustomization = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Json;
  const unknown = Object.keys(kustomization).filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml: ${unknown.join(', ')}: not assembled by this check`);
  let resources: Resource[] = [];
  for (const entry of (kustomization['resources'] as string[] | undefined) ?? []) {
    const path = join(dir, entry);
    resources.push(...(statSync(path).isDirectory() ? build(path) : readResources(path)));
  }
  for (const patch of (kustomization['patches'] as Array<{ path: string; target?: { kind: string; name: string } }> | undefined) ?? []) {
    const file = join(dir, patch.path);
    const { target } = patch;
    if (target) {
      const ops = parseYaml(readFileSync(file, 'utf8')) as Array<{ op: string; path: string; value?: unknown }>;
      const found = resources.filter((r) => matches(r, target.kind, target.name));
      if (found.length === 0) throw new Error(`${file}: no ${target.kind} ${target.name} to patch`);
      resources = resources.map((r) => (found.includes(r) ? (jsonPatch(r, ops) as Resource) : r));
      continue;
    }
    for (const over of readResources(file)) {
      const index = resources.findIndex((r) => matches(r, over.kind, over.metadata.name));
      if (index === -1) throw new Error(`${file}: no ${over.kind} ${over.metadata.name} to patch`);
      resources[index] = strategicMerge(resources[index], over) as Resource;
    }
  }
  const images = (kustomization['images'] as Array<{ name: string; newName?: string; newTag?: string }> | undefined) ?? [];
  return images.length === 0 ? resources : resources.map((r) => withImages(r, images));
}

function withImages(resource: Resource, images: ReadonlyArray<{ name: string; newName?: string; newTag?: string }>): Resource {
  const rename = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rename);
    if (!isObject(node)) return node;
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      const image = key === 'image' && typeof value === 'string' ? images.find((i) => i.name === value.split(':')[0]) : undefined;
      out[key] = image ? `${image.newName ?? image.name}:${image.newTag ?? (String(value).split(':')[1] || 'latest')}` : rename(value);
    }
    return out;
  };
  return rename(resource) as Resource;
}
