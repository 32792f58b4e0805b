/**
 * `Upgrade` (WebSocket and friends) and `CONNECT`. The request goes through the upstream toxics like
 * any other and is forwarded on the session's upstream connection; once the upstream switches
 * protocols (`101`, or its answer to `CONNECT`), its answer head goes through the downstream toxics
 * and then both sockets are joined raw: every later byte passes untouched both ways, half-closes
 * and resets included. Byte-stream toxics still act on those bytes in the core connection.
 * @module
 */
import { STATUS_CODES, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { resetSocket } from '../core/socket-options.js';
import type { HttpHead, HttpHold, HttpReply } from './toxics/http-types.js';
import { badGateway, replyHeaders } from './exchange.js';
import { splitHeaders } from './hop-by-hop.js';
import type { Session, SessionTask } from './session.js';
import { runToxicPass, settleOutcome, type PassGuard, type PassOutcome } from './toxic-pass.js';

/** A response head as bytes, for a socket that no longer has Node's HTTP writer. */
export function serializeHead(status: number, message: string, raw: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${message}\r\n`;
  for (let i = 0; i + 1 < raw.length; i += 2) head += `${raw[i] ?? ''}: ${raw[i + 1] ?? ''}\r\n`;
  return `${head}\r\n`;
}

/** Joins two sockets raw: data and FIN flow both ways; a reset on one resets the other. */
export function joinSockets(a: Duplex, b: Duplex): void {
  const onError = (peer: Duplex) => (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNRESET') resetSocket(peer);
    else peer.destroy();
  };
  a.on('error', onError(b));
  b.on('error', onError(a));
  a.on('close', () => b.destroy());
  b.on('close', () => a.destroy());
  a.pipe(b);
  b.pipe(a);
}

/** One Upgrade or CONNECT request and, if the upstream agrees, the tunnel after it. */
export class Tunnel implements PassGuard, SessionTask {
  gone = false;
  private hold: HttpHold | undefined;
  private readonly connectMethod: boolean;

  constructor(
    private readonly session: Session,
    private readonly req: IncomingMessage,
    private readonly socket: Duplex,
    /** Bytes the client sent after the request head: they belong to the new protocol. */
    private readonly early: Buffer,
    private readonly ordinal: number,
  ) {
    this.connectMethod = req.method === 'CONNECT';
  }

  start(): void {
    this.session.begin(this);
    this.socket.once('close', () => this.session.end(this));
    this.run().catch((err: unknown) => {
      this.session.log.error({ err, request: this.ordinal }, 'http tunnel failed');
      this.socket.destroy();
    });
  }

  holding(hold: HttpHold | undefined): void {
    this.hold = hold;
  }

  abandon(): void {
    this.gone = true;
    this.hold?.cancel();
  }

  private async run(): Promise<void> {
    const split = splitHeaders(this.req.rawHeaders);
    const head: HttpHead = { method: this.req.method ?? 'GET', url: this.req.url ?? '/', headers: split.headers };
    const outcome = await runToxicPass(this.session, 'upstream', head, head, this.ordinal, this);
    if (!this.settle(outcome)) return;
    if (this.session.upstreamGone) {
      this.session.breakConnection(this.session.upstreamReset);
      return;
    }
    const raw = head.headers.toRaw();
    if (!this.connectMethod && split.upgrade !== undefined) raw.push('Connection', 'Upgrade', 'Upgrade', split.upgrade);
    let upstream: ClientRequest;
    try {
      upstream = this.session.request(head, raw);
    } catch (err) {
      this.answer(badGateway(this.session.upstreamAddress, err as Error));
      return;
    }
    const onSwitch = (upRes: IncomingMessage, upSocket: Socket, upHead: Buffer): void => {
      this.onSwitch(upRes, upSocket, upHead, head).catch((err: unknown) => {
        this.session.log.error({ err, request: this.ordinal }, 'http tunnel failed');
        upSocket.destroy();
        this.socket.destroy();
      });
    };
    upstream.on(this.connectMethod ? 'connect' : 'upgrade', onSwitch);
    upstream.on('response', (upRes: IncomingMessage) => {
      this.onRefused(upRes, head).catch((err: unknown) => {
        this.session.log.error({ err, request: this.ordinal }, 'http tunnel failed');
        this.socket.destroy();
      });
    });
    upstream.on('error', (err: Error) => {
      if (this.gone || this.session.tunneled) return;
      if (!this.session.upstreamConnected) this.answer(badGateway(this.session.upstreamAddress, err));
      else this.session.breakConnection(this.session.upstreamReset);
    });
    upstream.end();
  }

  private settle(outcome: PassOutcome): boolean {
    return settleOutcome(outcome, this, this.session, (reply) => this.answer(reply));
  }

  /** Answers on the raw socket and closes it. */
  private answer(reply: HttpReply): void {
    const raw = replyHeaders(reply, true);
    this.socket.end(serializeHead(reply.status, STATUS_CODES[reply.status] ?? '', raw) + reply.body);
  }

  private async onSwitch(upRes: IncomingMessage, upSocket: Socket, upHead: Buffer, request: HttpHead): Promise<void> {
    // From here on the upstream socket carries the new protocol, whatever the toxics decide below.
    this.session.tunneled = true;
    const split = splitHeaders(upRes.rawHeaders);
    const status = upRes.statusCode ?? 502;
    const head: HttpHead = { method: request.method, url: request.url, status, headers: split.headers };
    const outcome = await runToxicPass(this.session, 'downstream', head, request, this.ordinal, this);
    if (!this.settle(outcome)) {
      upSocket.destroy();
      return;
    }
    const raw = head.headers.toRaw();
    if (status === 101 && split.upgrade !== undefined) raw.push('Connection', 'Upgrade', 'Upgrade', split.upgrade);
    this.socket.write(serializeHead(status, upRes.statusMessage ?? STATUS_CODES[status] ?? '', raw));
    if (upHead.length > 0) this.socket.write(upHead);
    if (this.early.length > 0) upSocket.write(this.early);
    joinSockets(this.socket, upSocket);
  }

  /** The upstream declined the upgrade with an ordinary answer: relay it, then close. */
  private async onRefused(upRes: IncomingMessage, request: HttpHead): Promise<void> {
    const split = splitHeaders(upRes.rawHeaders);
    const status = upRes.statusCode ?? 502;
    const head: HttpHead = { method: request.method, url: request.url, status, headers: split.headers };
    const outcome = await runToxicPass(this.session, 'downstream', head, request, this.ordinal, this);
    if (!this.settle(outcome)) {
      upRes.resume();
      return;
    }
    head.headers.delete('trailer');
    const raw = head.headers.toRaw();
    raw.push('Connection', 'close');
    this.socket.write(serializeHead(status, upRes.statusMessage ?? STATUS_CODES[status] ?? '', raw));
    upRes.pipe(this.socket);
  }
}
