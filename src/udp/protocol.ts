/**
 * The `udp` protocol module: a proxy of datagrams, one flow per client address:port, taking
 * datagram toxics only. Its gateway holds the proxy's {@link UdpListener} and hands it the toxics.
 * @module
 */
import type { ProtocolGateway, ProtocolHost, ProtocolModule, ProxyToxic } from '../core/protocol.js';
import { UdpListener } from './listener.js';
import type { DatagramToxicDefinition } from './toxics/datagram-toxic.js';

/** The layer of datagram toxics. */
export const DATAGRAM_LAYER = 'datagram';

/** One udp proxy's gateway: its listener, and its toxics handed to the relay. */
export class UdpGateway implements ProtocolGateway {
  readonly udp: UdpListener;

  constructor(host: ProtocolHost) {
    this.udp = new UdpListener(host);
  }

  listener(): UdpListener {
    return this.udp;
  }

  toxicAdded(toxic: ProxyToxic): void {
    // The toxic set checked the layer: every toxic that reaches here is a datagram toxic.
    this.udp.relay.attachToxic(toxic.spec, toxic.definition as DatagramToxicDefinition);
  }

  toxicUpdated(toxic: ProxyToxic): void {
    this.udp.relay.replaceToxic(toxic.spec);
  }

  toxicRemoved(toxic: ProxyToxic): void {
    this.udp.relay.removeToxic(toxic.spec.name);
  }

  /** The listener stopped already; the relay keeps its toxics for the next start. */
  stop(): void {}
}

/** UDP through a relay per proxy; pass it to the engine in `protocols`. */
export const udpProtocol: ProtocolModule = {
  name: 'udp',
  title: 'UDP',
  layers: [DATAGRAM_LAYER],
  gateway: (host) => new UdpGateway(host),
};
