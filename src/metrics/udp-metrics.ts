/**
 * The datagram series of udp proxies, read from each relay's counters when scraped: datagrams
 * received, forwarded, dropped, duplicated, reordered and corrupted per proxy and direction, and the
 * flows open. Counters span the proxy's life under its protocol (disable and enable keep them).
 * @module
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ProxyRegistry } from '../core/proxy-registry.js';
import { DIRECTIONS } from '../direction.js';
import { UdpGateway } from '../udp/protocol.js';
import type { DatagramCounters } from '../udp/counters.js';
import type { RelayStats } from '../udp/relay-types.js';
import type { ToxicProxy } from '../core/proxy.js';

/** Each udp proxy with its relay's figures. */
function* udpStats(proxies: ProxyRegistry): Generator<{ proxy: ToxicProxy; stats: RelayStats }> {
  for (const proxy of proxies.list()) {
    const gateway = proxy.gateway;
    if (gateway instanceof UdpGateway) yield { proxy, stats: gateway.udp.relay.stats() };
  }
}

const FAMILIES: ReadonlyArray<{ name: string; help: string; count: Exclude<keyof DatagramCounters, 'receivedBytes' | 'sentBytes'> }> = [
  { name: 'faultline_udp_datagrams_received_total', help: 'Datagrams read from the source (udp proxies).', count: 'received' },
  {
    name: 'faultline_udp_datagrams_forwarded_total',
    help: 'Datagrams sent on to the destination, duplicates included (udp proxies).',
    count: 'sent',
  },
  {
    name: 'faultline_udp_datagrams_dropped_total',
    help: 'Datagrams dropped by toxics, held or send-queue limits, or the flow limit (udp proxies).',
    count: 'dropped',
  },
  { name: 'faultline_udp_datagrams_duplicated_total', help: 'Extra copies sent by duplicate (udp proxies).', count: 'duplicated' },
  {
    name: 'faultline_udp_datagrams_reordered_total',
    help: 'Datagrams that left after a later one: reorder, or latency with reorder (udp proxies).',
    count: 'reordered',
  },
  { name: 'faultline_udp_datagrams_corrupted_total', help: 'Datagrams with flipped bits: corrupt (udp proxies).', count: 'corrupted' },
];

/** Registers the udp series of `proxies` in `registry`. */
export function registerUdpMetrics(registry: Registry, proxies: ProxyRegistry): void {
  for (const family of FAMILIES) {
    new Counter({
      name: family.name,
      help: family.help,
      labelNames: ['direction', 'proxy'],
      registers: [registry],
      collect() {
        this.reset();
        for (const { proxy, stats } of udpStats(proxies)) {
          for (const direction of DIRECTIONS) this.inc({ direction, proxy: proxy.name }, stats.counters[direction][family.count]);
        }
      },
    });
  }
  new Gauge({
    name: 'faultline_udp_flows_active',
    help: 'Flows (client address:port) open right now (udp proxies).',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { proxy, stats } of udpStats(proxies)) this.set({ proxy: proxy.name }, stats.flows);
    },
  });
}
