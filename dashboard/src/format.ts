/** Numbers, sizes and toxics as people read them. */

const RATE_UNITS = ['B/s', 'kB/s', 'MB/s', 'GB/s'];
const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

function scaled(value: number, units: readonly string[]): string {
  let v = value;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 || v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** Bytes per second: `0 B/s`, `12.3 kB/s`. */
export function rate(bytesPerSecond: number): string {
  return scaled(bytesPerSecond, RATE_UNITS);
}

/** A count per second without its unit: `12`, `1.5k`, `2.3M`. */
export function perSecond(count: number): string {
  return scaled(count, ['', 'k', 'M', 'G']).replace(' ', '');
}

/** A byte count: `512 B`, `1.2 MB`. */
export function size(bytes: number): string {
  return scaled(bytes, SIZE_UNITS);
}

/** Milliseconds as `850 ms`, `12.5 s`, `3m05s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/** A wall-clock time as `14:03:07`. */
export function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour12: false });
}

/** Units of common attributes, for short toxic descriptions. */
const UNITS: Record<string, string> = {
  latency: 'ms',
  jitter: 'ms',
  delay: 'ms',
  timeout: 'ms',
  max_stall: 'ms',
  rate: '',
  every: 'ms',
  duration: 'ms',
  time: 'ms',
  offset: 'ms',
};

/** A toxic's attributes in one short line: `latency 50 ms, jitter 10 ms`. */
export function attributesText(attributes: Record<string, unknown>): string {
  return Object.entries(attributes)
    .filter(([, v]) => v !== 0 && v !== '' && v !== false && !(typeof v === 'object' && v !== null && Object.keys(v).length === 0))
    .map(([k, v]) => {
      const unit = UNITS[k];
      return typeof v === 'object' ? `${k} ${JSON.stringify(v)}` : `${k} ${String(v)}${unit ? ` ${unit}` : ''}`;
    })
    .join(', ');
}

/** `50%` for a toxicity below 1, nothing for 1. */
export function toxicityText(toxicity: number): string {
  return toxicity >= 1 ? '' : `${Math.round(toxicity * 100)}%`;
}
