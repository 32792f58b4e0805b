/**
 * Toxiproxy's two byte counters, written as its Go Prometheus client writes them, because scripts
 * grep the exposition literally: an empty HELP text, labels in alphabetical order (direction,
 * listener, proxy, upstream), series sorted by those label values, values in Go's shortest `%g` form
 * (`1.234567e+06`), and no family at all while there is no proxy. prom-client writes each of these
 * differently, so these two families are rendered here.
 * @module
 */
import { DIRECTIONS, type Direction } from '../direction.js';
import type { ToxicProxy } from '../core/proxy.js';

/** Prometheus text format 0.0.4, the content type Toxiproxy serves `/metrics` with. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A number as Go's `strconv.FormatFloat(v, 'g', -1, 64)` writes it. */
export function goFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return '0';
  const [mantissa = '', exponent = '0'] = value.toExponential().split('e');
  const exp = Number(exponent);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(value);
}

/** A label value escaped as the text format requires: backslash, double quote, newline. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Go compares label values as byte strings. */
function compareBytes(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const order = Buffer.compare(Buffer.from(a[i] ?? '', 'utf8'), Buffer.from(b[i] ?? '', 'utf8'));
    if (order !== 0) return order;
  }
  return 0;
}

function family(name: string, proxies: readonly ToxicProxy[], pick: (proxy: ToxicProxy, direction: Direction) => number): string {
  const rows = proxies.flatMap((proxy) =>
    DIRECTIONS.map((direction) => ({ labels: [direction, proxy.listen, proxy.name, proxy.upstream], value: pick(proxy, direction) })),
  );
  if (rows.length === 0) return '';
  rows.sort((a, b) => compareBytes(a.labels, b.labels));
  const lines = rows.map(({ labels: [direction = '', listener = '', proxy = '', upstream = ''], value }) => {
    const labels = `direction="${escapeLabel(direction)}",listener="${escapeLabel(listener)}",proxy="${escapeLabel(proxy)}",upstream="${escapeLabel(upstream)}"`;
    return `${name}{${labels}} ${goFloat(value)}\n`;
  });
  return `# HELP ${name} \n# TYPE ${name} counter\n${lines.join('')}`;
}

/**
 * `toxiproxy_proxy_received_bytes_total` (bytes read from the source socket of each direction) and
 * `toxiproxy_proxy_sent_bytes_total` (bytes written to its destination), counted live.
 */
export function toxiproxySeries(proxies: readonly ToxicProxy[]): string {
  return (
    family('toxiproxy_proxy_received_bytes_total', proxies, (p, d) => p.bytes[d].received) +
    family('toxiproxy_proxy_sent_bytes_total', proxies, (p, d) => p.bytes[d].sent)
  );
}
