/**
 * Waiting for a client's first TLS record (its ClientHello) on the wire, for the faults that act
 * after it: a reset, or a fatal alert in the server's place.
 * @module
 */
import type { Duplex } from 'node:stream';

/** A TLS record's header: content type, version, length. */
const RECORD_HEADER_BYTES = 5;
/** The most a record may hold (2^14 plus expansion); more than this is not waited for. */
const MAX_RECORD_BYTES = 16_384 + 2_048;
const HANDSHAKE_CONTENT_TYPE = 0x16;

/** A fatal `handshake_failure` alert (RFC 8446 §6): type alert, TLS 1.2 record version, level 2, description 40. */
export const HANDSHAKE_FAILURE_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);

/**
 * Reads `wire` until the first record is complete (or the bytes are not a TLS handshake, or more
 * than a record's worth arrived), then stops reading and calls `onHello` with what was read.
 */
export function awaitClientHello(wire: Duplex, onHello: (bytes: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let length = 0;
  const onData = (chunk: Buffer): void => {
    chunks.push(chunk);
    length += chunk.length;
    const head = chunks.length === 1 ? chunk : Buffer.concat(chunks, length);
    if (head.length < RECORD_HEADER_BYTES && head[0] === HANDSHAKE_CONTENT_TYPE) return;
    const wanted = head[0] === HANDSHAKE_CONTENT_TYPE ? RECORD_HEADER_BYTES + head.readUInt16BE(3) : 0;
    if (length < wanted && length < MAX_RECORD_BYTES) return;
    wire.off('data', onData);
    wire.pause();
    onHello(head);
  };
  wire.on('data', onData);
}
