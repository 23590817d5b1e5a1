// Checkpoints as safetensors: variables under their stable names (MirdModel.namedVariables,
// MiTerms.namedVariables), optimiser moments as `<prefix>adam.m.<name>` / `<prefix>adam.v.<name>`,
// and JSON-valued metadata (configs, normalisation stats, counters). Written atomically, so a
// killed process leaves the previous checkpoint intact; read back with every name and shape
// checked, so a checkpoint of another configuration is an error that names the first mismatch.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import type { NamedAdamW } from '../nn/adamw';
import { readSafetensors, writeSafetensors, type TensorEntry, type TensorToWrite } from '../nn/safetensors';

export const CHECKPOINT_FORMAT = 'mird-checkpoint/1';

export interface CheckpointParts {
  /** variables to store, each under `<prefix><name>` */
  params: Array<{ prefix: string; vars: ReadonlyMap<string, tf.Variable> }>;
  /** optimisers whose moments and step count to store, each under `<prefix>adam.{m,v}.<name>` */
  optimizers?: Array<{ prefix: string; optimizer: NamedAdamW }>;
  /** plain arrays (a model's training state outside its variables), each under `<prefix><name>` */
  arrays?: { prefix: string; arrays: Readonly<Record<string, { shape: number[]; data: Float32Array }>> };
  /** string metadata (JSON for structured values) */
  metadata: Record<string, string>;
}

/** Host copies of every part, then one atomic write. */
export function writeCheckpoint(path: string, parts: CheckpointParts): void {
  const tensors = new Map<string, TensorToWrite>();
  const add = (name: string, shape: readonly number[], data: Float32Array): void => {
    if (tensors.has(name)) throw new Error(`checkpoint ${path}: two tensors named ${name}`);
    tensors.set(name, { shape: [...shape], data });
  };
  for (const { prefix, vars } of parts.params) for (const [name, v] of vars) add(prefix + name, v.shape, v.dataSync() as Float32Array);
  for (const [name, a] of Object.entries(parts.arrays?.arrays ?? {})) add((parts.arrays?.prefix ?? '') + name, a.shape, a.data);
  const steps: Record<string, number> = {};
  for (const { prefix, optimizer } of parts.optimizers ?? []) {
    for (const [name, e] of optimizer.stateTensors()) add(prefix + name, e.shape, e.data);
    steps[prefix] = optimizer.step;
  }
  writeSafetensors(path, tensors, { format: CHECKPOINT_FORMAT, optimizer_steps: JSON.stringify(steps), ...parts.metadata });
}

export interface Checkpoint {
  path: string;
  tensors: ReadonlyMap<string, TensorEntry>;
  metadata: Record<string, string>;
}

export function readCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) throw new Error(`checkpoint ${path}: file not found`);
  const file = readSafetensors(path);
  if (file.metadata.format !== CHECKPOINT_FORMAT) {
    throw new Error(`checkpoint ${path}: metadata format is ${JSON.stringify(file.metadata.format)}, expected ${CHECKPOINT_FORMAT} (written by mird train)`);
  }
  return { path, tensors: file.tensors, metadata: file.metadata };
}

/** Every tensor under `prefix`, by its name without the prefix (float32 copies). */
export function readStateArrays(ck: Checkpoint, prefix: string): Record<string, { shape: number[]; data: Float32Array }> {
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, e] of ck.tensors) if (name.startsWith(prefix)) out[name.slice(prefix.length)] = { shape: [...e.shape], data: Float32Array.from(e.data) };
  return out;
}

/** A JSON metadata field, parsed; a missing or malformed one names the field. */
export function metadataJson<T>(ck: Checkpoint, field: string): T {
  const raw = ck.metadata[field];
  if (raw === undefined) throw new Error(`checkpoint ${ck.path}: metadata field ${field} is missing`);
  try {
    return JSON.parse(raw) as T;
  } catch (err) {
    throw new Error(`checkpoint ${ck.path}: metadata field ${field} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

/**
 * Assigns every variable of `vars` from `<prefix><name>`; a missing tensor, a shape mismatch or
 * (with `exact`) a stored tensor under the prefix that no variable takes is an error naming it.
 */
export function restoreParams(ck: Checkpoint, prefix: string, vars: ReadonlyMap<string, tf.Variable>, exact = true): void {
  for (const [name, v] of vars) {
    const e = ck.tensors.get(prefix + name);
    if (e === undefined) throw new Error(`checkpoint ${ck.path}: no tensor ${prefix + name} (the checkpoint was written for another model configuration)`);
    if (e.shape.join(',') !== v.shape.join(',')) {
      throw new Error(`checkpoint ${ck.path}: ${prefix + name} has shape [${e.shape}], the model expects [${v.shape}] (another model configuration)`);
    }
    if (!(e.data instanceof Float32Array)) throw new Error(`checkpoint ${ck.path}: ${prefix + name} is not a float32 tensor`);
  }
  if (exact) {
    // optimiser moments live under `<prefix>adam.`; every other tensor under the prefix must be a variable
    const unexpected = [...ck.tensors.keys()].filter((k) => k.startsWith(prefix) && !k.startsWith(`${prefix}adam.`) && !vars.has(k.slice(prefix.length)));
    if (unexpected.length > 0) {
      throw new Error(`checkpoint ${ck.path}: ${unexpected.length} tensors the model does not have (first: ${unexpected.slice(0, 3).join(', ')}; another model configuration)`);
    }
  }
  tf.tidy(() => {
    for (const [name, v] of vars) {
      const e = ck.tensors.get(prefix + name) as TensorEntry;
      v.assign(tf.tensor(e.data as Float32Array, v.shape, 'float32'));
    }
  });
}

/** Restores an optimiser's moments and step count stored under `prefix`. */
export function restoreOptimizer(ck: Checkpoint, prefix: string, optimizer: NamedAdamW): void {
  const steps = metadataJson<Record<string, number>>(ck, 'optimizer_steps');
  const step = steps[prefix];
  if (typeof step !== 'number') throw new Error(`checkpoint ${ck.path}: no optimizer step count for "${prefix}"`);
  const state = new Map<string, { shape: number[]; data: Float32Array | Int32Array }>();
  for (const [k, e] of ck.tensors) {
    if (k.startsWith(`${prefix}adam.`)) state.set(k.slice(prefix.length), { shape: [...e.shape], data: e.data as Float32Array });
  }
  optimizer.loadState(state, step, ck.path);
}
