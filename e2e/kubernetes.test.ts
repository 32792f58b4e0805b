/**
 * deploy/kubernetes without a cluster: every manifest file, and the output of each kustomization as
 * `kustomize build` assembles it (e2e/helpers/kustomize.ts), validated against the Kubernetes API's
 * schemas (the validators the kubernetes-models package compiles from them); then what a schema
 * cannot see: the Services select the pods, the probes and the Job name ports and Services that
 * exist, the NetworkPolicy admits the admin API from the Job's pods only, every container is
 * non-root with its resources bounded, and the Faultline config and the game-day scenario the
 * ConfigMaps hold load with Faultline's own loaders.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { parseScenario } from '../src/scenario/load.js';
import { build, readResources, type Resource } from './helpers/kustomize.js';

const DEPLOY = fileURLToPath(new URL('../deploy/kubernetes/', import.meta.url));
const KUSTOMIZATIONS = ['base', 'overlays/sidecar', 'job'];

interface Model {
  new (data: unknown): { validate(): void };
}

/** Validates `resource` against its kind's schema; resolves to the error message, or '' when it is valid. */
async function schemaErrors(resource: Resource): Promise<string> {
  const module = (await import(`kubernetes-models/${resource.apiVersion}/${resource.kind}`)) as Record<string, Model>;
  const Kind = module[resource.kind];
  if (!Kind) return `no schema for ${resource.apiVersion} ${resource.kind}`;
  try {
    new Kind(resource).validate();
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

/** The manifest files (patch files are checked in the assembled output of their overlay). */
async function manifestFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const dir of ['base', 'job']) {
    for (const name of await readdir(join(DEPLOY, dir)))
      if (name.endsWith('.yaml') && name !== 'kustomization.yaml') files.push(join(DEPLOY, dir, name));
  }
  return files;
}

// Manifests are untyped YAML here: the schemas above check their shape, these checks read across them.
// biome-ignore lint/suspicious/noExplicitAny: a manifest read as plain data
type Json = Record<string, any>;

function one(resources: Resource[], kind: string, name: string): Json {
  const found = resources.find((r) => r.kind === kind && r.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as Json;
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** What must hold of a pod template: non-root, no escalation, bounded resources, probes on real ports. */
function checkPod(where: string, pod: Json): void {
  expect(pod['securityContext']?.runAsNonRoot, `${where}: runAsNonRoot`).toBe(true);
  expect(pod['automountServiceAccountToken'], `${where}: no service account token`).toBe(false);
  for (const c of pod['containers'] as Json[]) {
    const at = `${where} container ${c['name']}`;
    expect(c['securityContext'], at).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(Object.keys(c['resources']?.requests ?? {}).sort(), `${at}: requests`).toEqual(['cpu', 'memory']);
    expect(Object.keys(c['resources']?.limits ?? {}).sort(), `${at}: limits`).toEqual(['cpu', 'memory']);
    const ports = new Set(((c['ports'] as Json[] | undefined) ?? []).flatMap((p) => [p['name'], p['containerPort']]));
    for (const probe of ['readinessProbe', 'livenessProbe'])
      if (c[probe]) expect(ports.has(c[probe].httpGet.port), `${at}: ${probe} port`).toBe(true);
    for (const mount of (c['volumeMounts'] as Json[] | undefined) ?? [])
      expect(
        (pod['volumes'] as Json[]).some((v) => v['name'] === mount['name']),
        `${at}: volume ${mount['name']}`,
      ).toBe(true);
  }
}

/** Loads the Faultline config a ConfigMap holds, with Faultline's loader. */
async function loadConfigMap(map: Json): Promise<Awaited<ReturnType<typeof loadConfig>>> {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-k8s-'));
  try {
    const file = join(dir, 'faultline.yaml');
    await writeFile(file, String(map['data']['faultline.yaml']));
    return await loadConfig({ file, env: {} });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('deploy/kubernetes', () => {
  it('every manifest file is valid against the Kubernetes API schemas', async () => {
    const files = await manifestFiles();
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const file of files) {
      for (const resource of readResources(file)) expect(await schemaErrors(resource), relative(DEPLOY, file)).toBe('');
    }
  });

  it('the schemas catch a broken manifest (the check is not empty)', async () => {
    const deployment = one(build(join(DEPLOY, 'base')), 'Deployment', 'faultline');
    const broken = structuredClone(deployment) as Resource & Json;
    broken['spec'].template.spec.containers[0].ports[0].containerPort = 'admin';
    expect(await schemaErrors(broken)).toMatch(/containerPort must be integer/);
    delete broken['spec'].selector;
    expect(await schemaErrors(broken)).toMatch(/selector/);
  });

  for (const kustomization of KUSTOMIZATIONS) {
    it(`kustomize build ${kustomization}: every resource is valid`, async () => {
      const resources = build(join(DEPLOY, kustomization));
      expect(resources.length).toBeGreaterThan(1);
      for (const resource of resources) expect(await schemaErrors(resource), `${resource.kind} ${resource.metadata.name}`).toBe('');
      const names = resources.map((r) => `${r.kind}/${r.metadata.name}`);
      expect(new Set(names).size, 'names are unique').toBe(names.length);
      for (const r of resources) for (const image of JSON.stringify(r).match(/"image":"[^"]*"/g) ?? []) expect(image).toMatch(/:[\w.-]+"$/);
    });
  }

  it('the base: Services select the pods, the fleet Service is headless, the admin API is for runners only', async () => {
    const resources = build(join(DEPLOY, 'base'));
    const deployment = one(resources, 'Deployment', 'faultline');
    const pod = deployment['spec'].template;
    const labels = pod.metadata.labels as Record<string, string>;
    expect(selects(deployment['spec'].selector.matchLabels, labels)).toBe(true);
    checkPod('Deployment faultline', pod.spec);
    const container = pod.spec.containers[0] as Json;
    expect(container['image']).toBe('faultline:0.1.0');
    expect(container['args']).toEqual(['serve', '--config', '/etc/faultline/faultline.yaml']);

    const admin = one(resources, 'Service', 'faultline');
    const fleet = one(resources, 'Service', 'faultline-fleet');
    for (const service of [admin, fleet]) expect(selects(service['spec'].selector, labels)).toBe(true);
    expect(fleet['spec'].clusterIP).toBe('None');
    expect(fleet['spec'].ports).toEqual([{ name: 'admin', port: 8474, targetPort: 'admin' }]);

    const policy = one(resources, 'NetworkPolicy', 'faultline-admin');
    expect(selects(policy['spec'].podSelector.matchLabels, labels)).toBe(true);
    const adminRule = (policy['spec'].ingress as Json[]).find((r) => r['ports'].some((p: Json) => p['port'] === 8474));
    expect(adminRule?.['from']).toEqual([{ podSelector: { matchLabels: { 'faultline.dev/runner': 'true' } } }]);

    // The config loads, and its proxies listen on the ports the pod and the Service publish.
    const { config } = await loadConfigMap(one(resources, 'ConfigMap', 'faultline-config'));
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 8474, allow_remote_listen: true });
    const published = (container['ports'] as Json[]).map((p) => p['containerPort']);
    for (const proxy of config.proxies) expect(published).toContain(Number(proxy.listen?.split(':').pop()));
  });

  it('the sidecar overlay: the service beside Faultline, reached only through its proxy', async () => {
    const resources = build(join(DEPLOY, 'overlays/sidecar'));
    const pod = one(resources, 'Deployment', 'faultline')['spec'].template.spec;
    checkPod('Deployment faultline (sidecar)', pod);
    expect((pod.containers as Json[]).map((c) => c['name'])).toEqual(['faultline', 'app']);
    const { config } = await loadConfigMap(one(resources, 'ConfigMap', 'faultline-config'));
    expect(config.proxies.map((p) => [p.name, p.listen, p.upstream])).toEqual([['app', '0.0.0.0:8080', '127.0.0.1:8081']]);
    expect(pod.containers[1].env).toEqual([{ name: 'LISTEN', value: '127.0.0.1:8081' }]);
    expect(one(resources, 'Service', 'faultline')['spec'].ports).toContainEqual({ name: 'http', port: 80, targetPort: 'http' });
    const open = (one(resources, 'NetworkPolicy', 'faultline-admin')['spec'].ingress as Json[])[1];
    expect(open?.['ports']).toEqual([{ protocol: 'TCP', port: 8080 }]);
  });

  it('the Job: a runner pod that runs the ConfigMap scenario against the headless Service', () => {
    const base = build(join(DEPLOY, 'base'));
    const resources = build(join(DEPLOY, 'job'));
    const job = one(resources, 'Job', 'faultline-game-day');
    const pod = job['spec'].template;
    checkPod('Job faultline-game-day', pod.spec);
    expect(job['spec'].backoffLimit).toBe(0);
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.metadata.labels['faultline.dev/runner']).toBe('true');

    const container = pod.spec.containers[0] as Json;
    const script = String(container['args'][0]);
    const fleet = one(base, 'Service', 'faultline-fleet');
    expect(script).toContain(`--target dns+http://${fleet['metadata'].name}:${fleet['spec'].ports[0].port}`);
    expect(script).toContain('--fleet-policy quorum');

    // The scenario loads with the Job's environment, and names only proxies the base's config has.
    const map = one(resources, 'ConfigMap', 'faultline-game-day');
    expect(script).toContain('/etc/faultline/game-day.yaml');
    const env = Object.fromEntries((container['env'] as Json[]).map((e) => [e['name'], e['value']]));
    const { plan } = parseScenario(String(map['data']['game-day.yaml']), { file: 'game-day.yaml', env });
    expect(plan.proxies.map((p) => p.name)).toEqual(['redis']);
    expect(plan.probes.map((p) => p.label)).toContain('GET http://checkout:8080/health');
  });

  it("the image is what the manifests expect: the CLI on the PATH, a shell for the Job, the node user's uid", async () => {
    const dockerfile = await readFile(fileURLToPath(new URL('../Dockerfile', import.meta.url)), 'utf8');
    expect(dockerfile).toContain('COPY docker/faultline.sh /usr/local/bin/faultline');
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m); // Debian: /bin/sh is there
    // The base image's `node` user is uid 1000, as runAsUser says; the pods run as it.
    expect(dockerfile).toMatch(/^USER node$/m);
    for (const dir of ['base', 'job']) {
      const pods = build(join(DEPLOY, dir)).flatMap((r) =>
        (r as Json)['spec']?.template?.spec ? [(r as Json)['spec'].template.spec] : [],
      );
      for (const pod of pods) expect(pod.securityContext.runAsUser).toBe(1000);
    }
  });
});
