/** The two one-way halves of a connection. `upstream` = client → server, `downstream` = server → client. */
export type Direction = 'upstream' | 'downstream';

/** Both directions, upstream first (the order Toxiproxy lists toxics in). */
export const DIRECTIONS: readonly Direction[] = ['upstream', 'downstream'];

/** Parses a stream name case-insensitively, as Toxiproxy does; `undefined` when it is not one. */
export function parseDirection(stream: string): Direction | undefined {
  const lower = stream.toLowerCase();
  return lower === 'upstream' || lower === 'downstream' ? lower : undefined;
}
