// The unlabeled pool as something that yields clip i on demand: an array of clips read from a
// file (EmoVoxCeleb) or the synthetic generator's unlimited pool, behind one interface.
import type { Clip } from './types';

export interface UnlabeledPool {
  /** number of distinct clips; Infinity for an unlimited generator */
  readonly size: number;
  clip(index: number): Clip;
}

export function asPool(clips: Clip[] | UnlabeledPool): UnlabeledPool {
  if (!Array.isArray(clips)) return clips;
  return {
    size: clips.length,
    clip: (i: number): Clip => {
      const c = clips[i];
      if (c === undefined) throw new Error(`unlabeled pool: index ${i} outside 0..${clips.length - 1}`);
      return c;
    },
  };
}
