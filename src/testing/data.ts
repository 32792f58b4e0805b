/**
 * Seeded test data: a fast deterministic byte stream (AES-CTR keystream) so large transfers can be
 * generated piece by piece and compared by hash.
 * @module
 */
import { createCipheriv, createHash } from 'node:crypto';

/** A reproducible stream of pseudo-random bytes for `seed`. */
export class SeededBytes {
  private readonly cipher;
  private readonly zeros: Buffer;

  constructor(seed: string, pieceSize = 256 * 1024) {
    const key = createHash('sha256').update(seed).digest();
    this.cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
    this.zeros = Buffer.alloc(pieceSize);
  }

  /** The next `size` bytes (at most the piece size). */
  next(size = this.zeros.length): Buffer {
    return this.cipher.update(this.zeros.subarray(0, size));
  }
}

/** Running sha256 and length of what passed through. */
export class Digest {
  private readonly hash = createHash('sha256');
  length = 0;

  update(buf: Buffer): void {
    this.hash.update(buf);
    this.length += buf.length;
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}
