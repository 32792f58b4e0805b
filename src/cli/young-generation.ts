/**
 * Keeps V8's young generation at its starting size (1 MB semi-spaces) while a command's modules
 * load. Loading `faultline serve` would otherwise grow it to 8 MB semi-spaces, which then stay
 * resident: about 9 MB of an idle server's RSS. Once loaded, it may grow again as V8 sees fit: a
 * young generation held at 1 MB costs HTTP mode a third more CPU per request under load. V8 reads
 * the growth factor whenever the young generation would grow, so it is set when this module is
 * evaluated, before main.ts loads any command.
 * @module
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--semi-space-growth-factor=1');

/** From now on the young generation grows as V8 decides (its default growth factor, 2). */
export function letYoungGenerationGrow(): void {
  setFlagsFromString('--semi-space-growth-factor=2');
}
