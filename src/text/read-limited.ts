/**
 * Reading a text file of bounded size: the size is checked before a byte is parsed, so a huge file
 * is refused instead of exhausting memory.
 * @module
 */
import { open } from 'node:fs/promises';

/** A file larger than the limit. */
export class FileTooLargeError extends Error {
  override readonly name = 'FileTooLargeError';
  readonly code = 'EFBIG';

  constructor(
    readonly path: string,
    readonly limit: number,
  ) {
    super(`the file is larger than ${limit} bytes, the most this file may have`);
  }
}

/** Reads `path` as UTF-8; throws {@link FileTooLargeError} past `limit` bytes (and fs errors as they are). */
export async function readLimited(path: string, limit: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    if ((await handle.stat()).size > limit) throw new FileTooLargeError(path, limit);
    const text = await handle.readFile();
    // A file that grew since the check is refused too.
    if (text.length > limit) throw new FileTooLargeError(path, limit);
    return text.toString('utf8');
  } finally {
    await handle.close();
  }
}
