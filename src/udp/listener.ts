/**
 * The listener of a `udp` proxy: its one {@link UdpRelay}, bound where the proxy listens, its flows
 * listed as the proxy's connections, its events turned into the engine's. The relay lives as long as
 * the proxy keeps the protocol, so its toxics and counters outlast a disable or an address change.
 * @module
 */
import { formatHostPort, parseHostPort, type HostPort } from '../core/address.js';
import type { ByteCounters } from '../core/link.js';
import type { DatagramCounts, LiveConnection } from '../core/live-connection.js';
import type { ProtocolHost, ProxyListener } from '../core/protocol.js';
import type { CloseMode } from '../core/toxic-contract.js';
import type { Direction } from '../direction.js';
import { UdpRelay } from './relay.js';
import { DEFAULT_MAX_FLOWS, DEFAULT_UDP_IDLE_TIMEOUT_MS, type FlowInfo, type UdpRelayEvent } from './relay-types.js';

/** A flow as the proxy's listings show it (a snapshot). */
export function flowConnection(flow: FlowInfo): LiveConnection {
  const datagrams = (d: Direction): DatagramCounts => {
    const c = flow.counters[d];
    return {
      received: c.received,
      sent: c.sent,
      dropped: c.dropped,
      duplicated: c.duplicated,
      reordered: c.reordered,
      corrupted: c.corrupted,
    };
  };
  return {
    id: flow.id,
    openedAt: flow.openedAt,
    clientAddress: flow.client,
    upstreamAddress: flow.upstream,
    heldBytes: 0,
    bytesOf: (d) => ({ received: flow.counters[d].receivedBytes, sent: flow.counters[d].sentBytes, dropped: 0 }),
    activeToxics: (d) => [...flow.toxics[d]],
    datagramsOf: datagrams,
  };
}

/** One udp proxy's listener. */
export class UdpListener implements ProxyListener {
  readonly relay: UdpRelay;

  constructor(private readonly host: ProtocolHost) {
    const { runtime } = host;
    this.relay = new UdpRelay({
      name: host.name,
      listen: '127.0.0.1:0',
      upstream: host.upstream,
      seed: runtime.seed,
      clock: runtime.clock,
      wallClock: runtime.wallClock,
      logger: runtime.logger.child({ proxy: host.name, layer: 'datagram' }),
      maxFlows: runtime.maxConnections > 0 ? runtime.maxConnections : DEFAULT_MAX_FLOWS,
      maxHeldBytes: runtime.maxHeldBytes,
      onEvent: (event) => this.onEvent(event),
    });
  }

  get connections(): LiveConnection[] {
    return this.relay.flows().map(flowConnection);
  }

  /** Datagram bytes per direction over the relay's life (nothing is dropped by the byte: drops are datagrams). */
  get bytes(): Record<Direction, ByteCounters> {
    const { counters } = this.relay.stats();
    const of = (d: Direction): ByteCounters => ({ received: counters[d].receivedBytes, sent: counters[d].sentBytes, dropped: 0 });
    return { upstream: of('upstream'), downstream: of('downstream') };
  }

  get accepted(): number {
    return this.relay.stats().flowsOpened;
  }

  async start(address: HostPort): Promise<HostPort> {
    this.relay.listen = formatHostPort(address.host, address.port);
    this.relay.upstream = this.host.upstream;
    this.relay.idleTimeoutMs = this.host.udpIdleTimeout ?? DEFAULT_UDP_IDLE_TIMEOUT_MS;
    await this.relay.start();
    return parseHostPort(this.relay.listen);
  }

  stop(): void {
    // The socket and the flows go at once; only the close callback is left to come.
    void this.relay.stop();
  }

  /** Ends a flow; a flow has no reset, so `rst` ends it as `fin` does. */
  kill(id: number, _mode: CloseMode): boolean {
    return this.relay.killFlow(id);
  }

  private onEvent(event: UdpRelayEvent): void {
    const { events } = this.host.runtime;
    const proxy = this.host.name;
    switch (event.type) {
      case 'flow.opened':
        events.emit({ type: 'connection.opened', proxy, connection: flowConnection(event.flow) });
        break;
      case 'flow.closed':
        events.emit({ type: 'connection.closed', proxy, connection: flowConnection(event.flow), reason: event.reason });
        break;
      case 'fault':
        events.emit({
          type: 'fault',
          proxy,
          connection: event.flow,
          direction: event.direction,
          toxic: event.toxic,
          toxicType: event.toxicType,
          kind: event.kind,
          detail: { count: event.count, ...event.detail },
        });
        break;
      case 'flow.refused':
        break;
    }
  }
}
