/**
 * Keeps V8's young generation at its starting size (1 MB semi-spaces) for the life of the process.
 * Loading `faultline serve` lets it grow to 8 MB semi-spaces, which then stay resident: about 9 MB
 * of an idle server's RSS. The data path allocates little per chunk (sockets are read into reused
 * buffers), so more frequent, smaller scavenges cost nothing measurable. V8 reads this flag whenever
 * the young generation would grow, so it must be set before the commands' modules load: this module
 * is the first import of main.ts.
 * @module
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--semi-space-growth-factor=1');
