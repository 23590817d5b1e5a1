// Configs are plain, serialisable objects with frozen defaults.

/** Freeze a config and the plain objects nested in it (configs nest one level, e.g. `bert`). */
export function freezeConfig<T extends object>(config: T): Readonly<T> {
  for (const value of Object.values(config)) {
    if (value !== null && typeof value === 'object') Object.freeze(value);
  }
  return Object.freeze(config);
}
