import { Component } from 'preact';
import type { Series } from '../model';

interface Props {
  series: Series | undefined;
  /** Samples drawn (the newest ones). */
  points: number;
  width: number;
  height: number;
  /** Accessible name: what the chart shows. */
  label: string;
}

function line(values: readonly number[], points: number, max: number, width: number, height: number): string {
  const start = Math.max(0, values.length - points);
  const step = width / Math.max(1, points - 1);
  const offset = (points - (values.length - start)) * step;
  let out = '';
  for (let i = start; i < values.length; i++) {
    const x = offset + (i - start) * step;
    const y = height - 1 - ((values[i] ?? 0) / max) * (height - 2);
    out += `${Math.round(x * 10) / 10},${Math.round(y * 10) / 10} `;
  }
  return out;
}

/** The largest of the last `points` values. */
export function largest(values: readonly number[], points: number): number {
  let max = 0;
  for (let i = Math.max(0, values.length - points); i < values.length; i++) max = Math.max(max, values[i] ?? 0);
  return max;
}

/** Bytes per second of both directions over the last samples: upstream and downstream lines. */
export class Sparkline extends Component<Props> {
  override shouldComponentUpdate(next: Props): boolean {
    return next.series !== this.props.series || next.label !== this.props.label || next.width !== this.props.width;
  }

  override render({ series, points, width, height, label }: Props) {
    const up = series?.upstream ?? [];
    const down = series?.downstream ?? [];
    const max = Math.max(1024, largest(up, points), largest(down, points));
    return (
      <svg
        class="spark"
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        role="img"
        aria-label={label}
        preserveAspectRatio="none"
      >
        <line class="spark-base" x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} />
        <polyline class="spark-down" points={line(down, points, max, width, height)} />
        <polyline class="spark-up" points={line(up, points, max, width, height)} />
      </svg>
    );
  }
}
