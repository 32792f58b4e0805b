/**
 * `faultline serve --toxic-module FILE`: custom toxics from JavaScript modules the operator names on
 * the command line. Only there: loading a module runs its code, so neither the config file nor the
 * API can name one.
 * @module
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ToxicRegistry } from '../toxics/registry.js';
import type { AnyToxicDefinition } from '../core/toxic-contract.js';

/** Modules one server may load. */
export const MAX_TOXIC_MODULES = 32;

/** A module that cannot be loaded, or does not define toxics the engine can take. */
export class ToxicModuleError extends Error {}

function isDefinition(value: unknown): value is AnyToxicDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<'type' | 'create' | 'attributes', unknown>>;
  return typeof candidate.type === 'string' && typeof candidate.create === 'function' && typeof candidate.attributes === 'object';
}

/** The toxic definitions a module exports: named exports, and a default export that is one or a list. */
function definitionsOf(module: Record<string, unknown>): AnyToxicDefinition[] {
  const found = new Set<AnyToxicDefinition>();
  for (const [name, value] of Object.entries(module)) {
    if (isDefinition(value)) found.add(value);
    else if (name === 'default' && Array.isArray(value)) for (const item of value) if (isDefinition(item)) found.add(item);
  }
  return [...found];
}

/**
 * The registry for the toxics of `files` (JavaScript modules, paths from the working directory), in
 * the order given, after the built-ins. Throws {@link ToxicModuleError} naming the file at fault.
 */
export async function loadToxicModules(files: readonly string[]): Promise<ToxicRegistry> {
  if (files.length > MAX_TOXIC_MODULES) throw new ToxicModuleError(`at most ${MAX_TOXIC_MODULES} toxic modules, got ${files.length}`);
  let registry = ToxicRegistry.builtin;
  for (const file of files) {
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
    } catch (err) {
      throw new ToxicModuleError(`${file}: cannot load: ${(err as Error).message}`, { cause: err });
    }
    const definitions = definitionsOf(module);
    if (definitions.length === 0) throw new ToxicModuleError(`${file}: exports no toxic definition (make one with defineToxic)`);
    try {
      registry = registry.with(definitions);
    } catch (err) {
      throw new ToxicModuleError(`${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  return registry;
}
