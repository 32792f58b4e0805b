/**
 * What the buttons do, each as plain Toxiproxy API calls, so anything the page does can be done
 * with curl too. The page never changes its state itself: the change comes back on the stream.
 */
import { call, seg } from './api';
import { isPartitioned, type ProxyInfo, type Toxic } from './model';

/** Latency presets offered in one click (downstream, as replies slow down). */
export const LATENCY_PRESETS = [100, 500, 2000] as const;
/** The toxic a latency preset sets. */
export const PRESET_LATENCY_NAME = 'latency_downstream';

/** The directions a partition cuts. */
export type PartitionScope = 'both' | 'upstream' | 'downstream';

/** Enables or disables a proxy. */
export function setEnabled(proxy: ProxyInfo, enabled: boolean): Promise<unknown> {
  return call('POST', `/proxies/${seg(proxy.name)}`, { enabled });
}

/** Cuts one or both directions with `partition` toxics (named by Toxiproxy's default, `partition_<stream>`). */
export async function partition(proxy: ProxyInfo, scope: PartitionScope = 'both'): Promise<void> {
  const streams = scope === 'both' ? ['upstream', 'downstream'] : [scope];
  for (const stream of streams) {
    if (proxy.toxics.some((t) => t.type === 'partition' && t.stream.toLowerCase() === stream)) continue;
    await call('POST', `/proxies/${seg(proxy.name)}/toxics`, { type: 'partition', stream, attributes: { max_stall: 0 } });
  }
}

/** Heals every partition of a proxy: its partition toxics are removed, held data flows. */
export async function heal(proxy: ProxyInfo): Promise<void> {
  await Promise.all(proxy.toxics.filter((t) => t.type === 'partition').map((t) => removeToxic(proxy, t)));
}

/** Partition when whole, heal when cut. */
export function togglePartition(proxy: ProxyInfo): Promise<void> {
  return isPartitioned(proxy) ? heal(proxy) : partition(proxy);
}

/** Sets the preset latency (0 removes it). */
export function setLatency(proxy: ProxyInfo, ms: number): Promise<unknown> {
  const existing = proxy.toxics.find((t) => t.name === PRESET_LATENCY_NAME);
  const path = `/proxies/${seg(proxy.name)}/toxics`;
  if (ms === 0) return existing ? removeToxic(proxy, existing) : Promise.resolve();
  if (existing) return call('POST', `${path}/${seg(existing.name)}`, { attributes: { latency: ms } });
  return call('POST', path, { name: PRESET_LATENCY_NAME, type: 'latency', stream: 'downstream', attributes: { latency: ms } });
}

/** The latency preset in place, or 0. */
export function presetLatency(proxy: ProxyInfo): number {
  const toxic = proxy.toxics.find((t) => t.name === PRESET_LATENCY_NAME);
  return typeof toxic?.attributes['latency'] === 'number' ? toxic.attributes['latency'] : 0;
}

/** Removes one toxic. */
export function removeToxic(proxy: ProxyInfo, toxic: Pick<Toxic, 'name'>): Promise<unknown> {
  return call('DELETE', `/proxies/${seg(proxy.name)}/toxics/${seg(toxic.name)}`);
}

/** Removes every toxic of a proxy. */
export async function removeEveryToxic(proxy: ProxyInfo): Promise<void> {
  await Promise.all(proxy.toxics.map((t) => removeToxic(proxy, t)));
}

/** Adds a toxic (the body as `POST /proxies/{proxy}/toxics` takes it). */
export function addToxic(proxy: ProxyInfo, toxic: Partial<Toxic>): Promise<Toxic> {
  return call<Toxic>('POST', `/proxies/${seg(proxy.name)}/toxics`, toxic);
}

/** Changes a toxic's toxicity and attributes. */
export function updateToxic(proxy: ProxyInfo, name: string, patch: Partial<Toxic>): Promise<Toxic> {
  return call<Toxic>('POST', `/proxies/${seg(proxy.name)}/toxics/${seg(name)}`, patch);
}

/** Closes a live connection, politely or with a reset. */
export function closeConnection(proxy: ProxyInfo, id: number, reset: boolean): Promise<unknown> {
  return call('DELETE', `/proxies/${seg(proxy.name)}/connections/${id}${reset ? '?reset=true' : ''}`);
}
