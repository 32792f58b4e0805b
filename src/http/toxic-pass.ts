/**
 * Running a proxy's HTTP toxics of one stream over one message head. The list is read when the
 * message arrives, so adds, updates and removals apply to the next message at once; a toxic removed
 * while an earlier one held the message is skipped. Each (toxic, message) pair draws from its own
 * seeded stream, derived from seed, proxy, toxic, connection ordinal, stream and request ordinal, so
 * decisions do not depend on what else runs concurrently.
 * @module
 */
import type { Direction } from '../direction.js';
import { createRng } from '../core/rng.js';
import { matcherFor, type MatchTarget } from './toxics/http-match.js';
import type { HttpHead, HttpHold, HttpReply, HttpReset, HttpToxic } from './toxics/http-types.js';
import type { ToxicSpec } from '../core/toxic-contract.js';

/** An HTTP toxic as its proxy holds it. */
export interface AttachedHttpToxic {
  readonly spec: ToxicSpec;
  readonly http: HttpToxic;
}

/** What a pass needs from the proxy and the connection. */
export interface PassHost {
  readonly seed: string;
  readonly proxyName: string;
  /** The client connection's ordinal (0 when unknown). */
  readonly connectionId: number;
  toxics(direction: Direction): readonly AttachedHttpToxic[];
  /** Reports a fault; `roll` is the per-request toxicity draw that let the toxic act. */
  fault(direction: Direction, spec: ToxicSpec, kind: string, detail: Record<string, unknown>, roll: number): void;
}

/** The exchange a pass runs for: whether it is still wanted, and the hold it waits on. */
export interface PassGuard {
  readonly gone: boolean;
  holding(hold: HttpHold | undefined): void;
}

/** What the toxics decided. */
export type PassOutcome =
  | { readonly kind: 'forward' }
  | { readonly kind: 'reply'; readonly reply: HttpReply }
  | HttpReset
  | { readonly kind: 'gone' };

const FORWARD: PassOutcome = { kind: 'forward' };

/**
 * Acts on an outcome for the exchange `guard`: a reset breaks the connection as the toxic's doing, a
 * reply goes to `answer`. True when the message goes on.
 */
export function settleOutcome(
  outcome: PassOutcome,
  guard: Pick<PassGuard, 'gone'>,
  session: { resetByToxic(): void },
  answer: (reply: HttpReply) => void,
): boolean {
  if (guard.gone) return false;
  switch (outcome.kind) {
    case 'forward':
      return true;
    case 'gone':
      return false;
    case 'reset':
      session.resetByToxic();
      return false;
    case 'reply':
      answer(outcome.reply);
      return false;
  }
}

/** The seeded stream of one toxic for one message: what a test replays to predict decisions. */
export function exchangeRng(seed: string, proxy: string, toxic: string, connection: number, direction: Direction, request: number) {
  return createRng(seed, proxy, toxic, connection, direction, request);
}

/** What a fault event says of an answer: its HTTP status, and its gRPC status when it has one. */
function abortDetail(reply: HttpReply, request: number): Record<string, unknown> {
  return reply.grpc ? { status: 200, grpc_status: reply.grpc.status, request } : { status: reply.status, request };
}

/**
 * Runs the toxics of `direction` over `head`, in the order they were added. `target` is what
 * `match` looks at: the request (for a response, the request as it was forwarded).
 */
export async function runToxicPass(
  host: PassHost,
  direction: Direction,
  head: HttpHead,
  target: MatchTarget,
  request: number,
  guard: PassGuard,
): Promise<PassOutcome> {
  const toxics = host.toxics(direction);
  if (toxics.length === 0) return FORWARD;
  if (direction === 'upstream') for (const toxic of toxics) toxic.http.screen?.(head);
  for (const toxic of toxics) {
    if (!host.toxics(direction).includes(toxic)) continue;
    const spec = toxic.spec;
    if (!matcherFor(spec.attributes).test(target)) continue;
    const rng = exchangeRng(host.seed, host.proxyName, spec.name, host.connectionId, direction, request);
    const roll = rng.next();
    if (!(roll < spec.toxicity)) continue;
    const verdict = toxic.http.apply(head, { random: () => rng.next() });
    if (verdict === undefined) continue;
    switch (verdict.kind) {
      case 'reply':
        host.fault(direction, spec, 'abort', abortDetail(verdict.reply, request), roll);
        return verdict;
      case 'reset':
        host.fault(direction, spec, 'reset', verdict.code === undefined ? { request } : { request, code: verdict.code }, roll);
        return verdict;
      case 'hold':
        host.fault(direction, spec, 'delay', { ms: verdict.hold.ms, request }, roll);
        guard.holding(verdict.hold);
        await verdict.hold.released;
        guard.holding(undefined);
        if (guard.gone) return { kind: 'gone' };
        break;
    }
  }
  return FORWARD;
}
