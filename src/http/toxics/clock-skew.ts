import { z } from 'zod';
import { editableHeaderName } from './http-attributes.js';
import { formatHttpDate, formatRfc3339, MAX_HTTP_DATE, parseHttpDate, parseRfc3339 } from './http-date.js';
import { matchAttribute } from './http-match.js';
import { defineHttpToxic, type HttpHead, type HttpToxic, type HttpToxicContext } from './http-types.js';
import { DriftingClock, type SkewSettings } from './drifting-clock.js';

/** About 100 years, in ms: the largest offset. */
const MAX_OFFSET = 3_155_760_000_000;
const SHIFTABLE = ['last-modified', 'expires', 'retry-after'] as const;
/** The header that marks responses whose clock was skewed, when `mark` is on. */
export const MARK_HEADER = 'X-Faultline-Injected';

const signedPpm = (what: string, min: number, fallback: number) =>
  z
    .number({ error: (issue) => `expected ${what} in ppm (a number), got ${JSON.stringify(issue.input)}` })
    .min(min, { error: `${what} must be between ${min} and 1000000 ppm` })
    .max(1_000_000, { error: `${what} must be between ${min} and 1000000 ppm` })
    .default(fallback)
    .meta({ unit: 'ppm' });

const attributes = () =>
  z.object({
    offset: z
      .number({ error: (issue) => `expected offset in ms (a whole number), got ${JSON.stringify(issue.input)}` })
      .int({ error: 'expected offset as a whole number of ms' })
      .min(-MAX_OFFSET, { error: 'offset must be within ±100 years (ms)' })
      .max(MAX_OFFSET, { error: 'offset must be within ±100 years (ms)' })
      .default(0)
      .meta({ unit: 'ms', description: 'the skew when added, signed: `-300000` = the server is 5 minutes behind' }),
    drift: signedPpm('drift', -1_000_000, 0).describe(
      'signed: the skew grows by this many millionths of elapsed time (500 = +1.8 s an hour)',
    ),
    slew: signedPpm('slew', 1, 500).describe('how fast an update without `jump` closes the gap to a new offset'),
    jump: z
      .boolean({ error: 'expected jump as true or false' })
      .default(false)
      .describe('while true, updates step the clock to the new settings'),
    freeze_at: z
      .string()
      .superRefine((v, ctx) => {
        if (v === '') return;
        const at = parseRfc3339(v);
        if (at === undefined)
          ctx.addIssue({
            code: 'custom',
            message: `expected an RFC 3339 instant with a zone, e.g. "2030-01-01T00:00:00Z", got ${JSON.stringify(v)}`,
          });
        else if (at < 0 || at > MAX_HTTP_DATE) ctx.addIssue({ code: 'custom', message: 'freeze_at must lie between 1970 and 9999' });
      })
      .default('')
      .meta({ unit: 'RFC 3339', description: 'fake-now stays at this instant (`2030-01-01T00:00:00Z`); empty = the clock runs' }),
    shift_headers: z
      .array(
        z.preprocess(
          (v) => (typeof v === 'string' ? v.toLowerCase() : v),
          z.enum(SHIFTABLE, { error: `expected one of ${SHIFTABLE.join(', ')}` }),
        ),
      )
      .default([])
      .describe('also shift `last-modified`, `expires`, `retry-after` (date form only) by the same skew'),
    mark: z
      .boolean({ error: 'expected mark as true or false' })
      .default(false)
      .describe('add `X-Faultline-Injected: clock_skew=-300s` (the skew, rounded to seconds)'),
    request_header: editableHeaderName()
      .default('X-Faultline-Now')
      .meta({ unit: 'header name', description: 'upstream: the header carrying fake-now (copies clients send are removed)' }),
    request_format: z
      .enum(['rfc3339', 'epoch_ms'], { error: 'expected request_format rfc3339 or epoch_ms' })
      .default('rfc3339')
      .describe('upstream: `2030-01-01T00:00:00.000Z` or `1893456000000`'),
    match: matchAttribute(),
  });
type SkewAttributes = z.infer<ReturnType<typeof attributes>>;

function settingsOf(attrs: SkewAttributes): SkewSettings {
  return {
    offset: attrs.offset,
    drift: attrs.drift,
    slew: attrs.slew,
    freezeAt: attrs.freeze_at === '' ? undefined : parseRfc3339(attrs.freeze_at),
  };
}

/** `+12s`, `-300s`, `0s`. */
function formatSkew(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${s > 0 ? '+' : ''}${s}s`;
}

/** Shows the server's clock as fake-now: response `Date` (and chosen dates), or a request header. */
class ClockSkew implements HttpToxic<SkewAttributes> {
  private readonly clock: DriftingClock;

  constructor(
    private attrs: SkewAttributes,
    private readonly ctx: HttpToxicContext,
  ) {
    this.clock = new DriftingClock(settingsOf(attrs), ctx.now());
  }

  screen(request: HttpHead): void {
    request.headers.delete(this.attrs.request_header);
  }

  apply(head: HttpHead): undefined {
    const wall = this.ctx.wallNow();
    const skew = this.clock.skew(this.ctx.now(), wall);
    const fake = wall + skew;
    if (head.status === undefined) {
      const value = this.attrs.request_format === 'epoch_ms' ? String(Math.floor(fake)) : formatRfc3339(fake);
      head.headers.set(this.attrs.request_header, value);
      return undefined;
    }
    head.headers.set('Date', formatHttpDate(fake));
    for (const name of this.attrs.shift_headers) {
      head.headers.rewrite(name, (value) => {
        const at = parseHttpDate(value, wall);
        return at === undefined ? undefined : formatHttpDate(at + skew);
      });
    }
    if (this.attrs.mark) head.headers.append(MARK_HEADER, `clock_skew=${formatSkew(skew)}`);
    return undefined;
  }

  update(attrs: SkewAttributes): void {
    this.clock.update(settingsOf(attrs), this.ctx.now(), this.ctx.wallNow(), attrs.jump);
    this.attrs = attrs;
  }

  dispose(): void {}
}

/**
 * `clock_skew`: the server's clock disagrees with the world. Downstream it rewrites (or adds) the
 * response `Date`; upstream it tells the server fake-now in a request header.
 */
export const clockSkew = defineHttpToxic({
  layer: 'http',
  type: 'clock_skew',
  summary: 'Skews the server clock: response Date (and other dates) or a fake-now request header.',
  destructive: false,
  attributes,
  create: (attrs, ctx) => new ClockSkew(attrs, ctx),
});
