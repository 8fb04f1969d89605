/**
 * Merges option layers, later layers winning: pass them as built-in default, profile,
 * `x-preevy`, environment variable, flag. An `undefined` value (an unset flag) never hides a
 * lower layer; absent layers are skipped.
 */
export const resolveOptions = (layers: ReadonlyArray<Readonly<Record<string, unknown>> | undefined>): Record<string, unknown> => {
  const resolved: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) if (value !== undefined) resolved[key] = value;
  }
  return resolved;
};
