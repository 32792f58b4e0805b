/**
 * One connection of a TLS proxy, between the core connection's in-process stream (the encrypted
 * wire, after the byte toxics) and the plaintext side (the protocol's gateway, or the upstream).
 * It applies the TLS faults rolled for the connection: a stalled handshake, a reset after the
 * ClientHello, a fatal alert, a capped version or a defective certificate.
 * @module
 */
import type { Duplex } from 'node:stream';
import type { SecureContext, TLSSocket } from 'node:tls';
import { nodeTls } from '../lazy-builtin.js';
import { StageTimer } from '../core/clock.js';
import type { Connection } from '../core/connection.js';
import { duplexPair, type PairEnd } from '../core/duplex-pair.js';
import type { Logger } from '../core/logger.js';
import type { ProtocolRuntime, ProxyToxic } from '../core/protocol.js';
import { closeGracefully, resetSocket } from '../core/socket-options.js';
import { awaitClientHello, HANDSHAKE_FAILURE_ALERT } from './client-hello.js';
import { splice } from './splice.js';
import type { CertificateFault } from './toxics/tls-certificate.js';
import type { HandshakeFault, TlsVersion } from './toxics/tls-handshake.js';

/** The TLS faults rolled for one connection (at most one of each toxic type acts). */
export interface RolledFaults {
  readonly certificate?: { readonly toxic: ProxyToxic; readonly fault: CertificateFault } | undefined;
  readonly handshake?:
    | { readonly toxic: ProxyToxic; readonly fault: HandshakeFault; readonly delay: number; readonly version: TlsVersion }
    | undefined;
}

/** What a session needs from its gateway. */
export interface TlsSessionHost {
  readonly runtime: ProtocolRuntime;
  readonly log: Logger;
  /** ALPN protocols offered to clients. */
  readonly alpn: readonly string[] | undefined;
  /** Whether the proxy terminates TLS (otherwise the wire is plaintext and only the upstream is TLS). */
  readonly terminates: boolean;
  faultsFor(conn: Connection): RolledFaults;
  /** The context presented for `servername` (undefined: the client sent no SNI). */
  context(servername: string | undefined, faults: RolledFaults): Promise<SecureContext>;
  /** The plaintext side: the protocol gateway's stream, or the dialled upstream. */
  openPlaintext(conn: Connection, alpn: string | false): Duplex;
  report(conn: Connection, toxic: ProxyToxic, kind: string, detail: Record<string, unknown>): void;
}

/** One connection's TLS. */
export class TlsSession {
  /** The end the core connection writes to and reads from. */
  readonly clientEnd: PairEnd;
  /** The session's end: the encrypted wire when terminating, plaintext otherwise. */
  private readonly wire: PairEnd;
  private secure: TLSSocket | null = null;
  private plain: Duplex | null = null;
  private stalled: { toxic: ProxyToxic; timer: StageTimer; faults: RolledFaults } | null = null;
  private closed = false;

  constructor(
    private readonly host: TlsSessionHost,
    readonly conn: Connection,
  ) {
    [this.clientEnd, this.wire] = duplexPair(host.runtime.tuning.highWaterMark);
    // The core connection reports the errors; here they only end the session.
    this.wire.on('error', () => this.close());
  }

  /** Starts the session: terminates TLS (after the handshake faults) or joins the wire to the upstream. */
  start(): void {
    if (!this.host.terminates) {
      this.join(this.wire, this.host.openPlaintext(this.conn, false));
      return;
    }
    const faults = this.host.faultsFor(this.conn);
    const handshake = faults.handshake;
    if (handshake?.fault === 'stall') this.stall(handshake.toxic, handshake.delay, faults);
    else if (handshake?.fault === 'reset') {
      awaitClientHello(this.wire, () => {
        this.host.report(this.conn, handshake.toxic, 'reset', { fault: 'reset' });
        this.conn.teardown('toxic-reset', 'rst');
      });
    } else if (handshake?.fault === 'alert') {
      awaitClientHello(this.wire, () => {
        this.host.report(this.conn, handshake.toxic, 'alert', { fault: 'alert', alert: 'handshake_failure' });
        // Whatever else the client sends is read and dropped; the alert goes out, then FIN.
        this.wire.resume();
        this.wire.end(HANDSHAKE_FAILURE_ALERT);
      });
    } else this.terminate(faults);
  }

  /** The toxic holding this session's handshake, if one is. */
  get stalledBy(): ProxyToxic | undefined {
    return this.stalled?.toxic;
  }

  /** Lets a stalled handshake go on (the stall's delay passed, or its toxic changed or went). */
  release(): void {
    const stalled = this.stalled;
    if (!stalled || this.closed) return;
    this.stalled = null;
    stalled.timer.close();
    const { certificate } = stalled.faults;
    this.terminate(certificate ? { certificate } : {});
  }

  /** Ends everything at once (the connection ended, or the proxy stopped). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stalled?.timer.close();
    this.stalled = null;
    this.secure?.destroy();
    this.plain?.destroy();
    this.wire.destroy();
  }

  /** Holds the handshake: nothing is read from the wire until it is released. */
  private stall(toxic: ProxyToxic, delay: number, faults: RolledFaults): void {
    this.host.report(this.conn, toxic, 'stall', { fault: 'stall', delay });
    const timer = new StageTimer(this.host.runtime.clock, () => this.release());
    this.stalled = { toxic, timer, faults };
    if (delay > 0) timer.arm(delay);
  }

  private terminate(faults: RolledFaults): void {
    const { certificate, handshake } = faults;
    if (certificate) this.host.report(this.conn, certificate.toxic, 'certificate', { fault: certificate.fault });
    if (handshake?.fault === 'max_version') {
      this.host.report(this.conn, handshake.toxic, 'max_version', { fault: 'max_version', version: handshake.version });
    }
    this.host.context(undefined, faults).then(
      (context) => this.wrap(context, faults),
      (err: unknown) => {
        this.host.log.warn({ conn: this.conn.id, err }, 'no certificate to present: connection closed');
        this.close();
      },
    );
  }

  private wrap(secureContext: SecureContext, faults: RolledFaults): void {
    if (this.closed) return;
    const alpn = this.host.alpn;
    const secure = new (nodeTls().TLSSocket)(this.wire, {
      isServer: true,
      secureContext,
      SNICallback: (servername, done) => {
        this.host.context(servername, faults).then(
          (context) => done(null, context),
          (err: Error) => done(err),
        );
      },
      ...(alpn ? { ALPNProtocols: [...alpn] } : {}),
    });
    this.secure = secure;
    secure.on('secure', () => this.join(secure, this.host.openPlaintext(this.conn, secure.alpnProtocol ?? false)));
    secure.on('error', (err: NodeJS.ErrnoException) => {
      // A client that refuses the certificate ends here: its alert says why.
      if (this.host.log.isLevelEnabled('debug')) {
        this.host.log.debug({ conn: this.conn.id, reason: err.code ?? err.message }, 'TLS connection ended with an error');
      }
    });
    secure.on('close', () => {
      if (!this.wire.destroyed) closeGracefully(this.wire, this.host.runtime.closeGraceMs);
    });
  }

  /** Joins the client's side to the plaintext side; a reset on the plaintext side resets the client. */
  private join(client: Duplex, plain: Duplex): void {
    if (this.closed) {
      plain.destroy();
      return;
    }
    this.plain = plain;
    splice(client, plain, this.host.runtime.closeGraceMs, (side) => {
      if (side !== client) resetSocket(side);
      else {
        this.wire.resetAndDestroy();
        client.destroy();
      }
    });
  }
}
