// Runs past one machine through an existing scheduler, never a home-made cluster: the seeds of one
// `mird train` command become a Slurm job array or a Kubernetes Indexed Job, one index per run,
// each running `npx mird train … --seed S --out <runs folder>/seed-S` into a shared runs folder.
// A run folder that already holds config.json is resumed (`--resume`), so resubmitting the same
// file after a pre-emption continues each seed from its last completed epoch and only reports the
// finished ones (runs that cannot resume, the text host alone, skip finished folders instead). `mird runs --dir <runs folder>` lists the results when the jobs are done.
import { MAX_WASM_THREADS } from '../wasm-threads';

export interface ScheduledRuns {
  /** `mird train` arguments shared by every run (no --seed/--seeds/--out/--jobs/--resume/--emit) */
  args: readonly string[];
  seeds: readonly number[];
  /** the shared runs folder, relative to the workspace root (each seed writes <out>/seed-S) */
  out: string;
  /** job name (letters, digits and '-') */
  name: string;
  /**
   * true (default): a run folder that holds config.json is resumed (`--resume`); false (runs
   * that cannot resume, e.g. --model text-host): a folder that holds metrics.json is skipped
   */
  resumable?: boolean;
}

export interface SlurmOptions {
  cpusPerTask: number;
  memory: string;
  time: string;
  /** extra `#SBATCH` lines, e.g. "--partition=cpu" */
  extra: readonly string[];
}

export interface KubernetesOptions {
  /** container image with Node 20 and the workspace installed at `workdir` (npm ci done) */
  image: string;
  workdir: string;
  /** PersistentVolumeClaim mounted at <workdir>/<out>: the shared runs folder */
  claim: string;
  cpu: string;
  memory: string;
  parallelism: number;
}

export const DEFAULT_SLURM: Readonly<SlurmOptions> = Object.freeze({ cpusPerTask: 1, memory: '8G', time: '02:00:00', extra: [] });

/** Single-quoted for sh: safe for any argument. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function checkRuns(r: ScheduledRuns): void {
  if (r.seeds.length === 0) throw new Error('scheduler: no seeds to run');
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(r.name) || r.name.length > 52) throw new Error(`scheduler: job name "${r.name}" must be lower-case letters, digits and '-' (at most 52)`);
  if (r.out === '' || r.out.startsWith('/') || r.out.split('/').includes('..')) throw new Error(`scheduler: the runs folder "${r.out}" must be a path inside the workspace`);
  for (const s of r.seeds) if (!Number.isInteger(s) || s < 0) throw new Error(`scheduler: seed ${s} is not a non-negative integer`);
}

/** The shell lines every index runs: pick its seed, resume when its folder exists, train. */
function runLines(r: ScheduledRuns, indexVar: string): string[] {
  const train = ['npx', 'mird', 'train', ...r.args].map(shellQuote).join(' ');
  const pick = [`SEEDS=(${r.seeds.join(' ')})`, `SEED=\${SEEDS[${indexVar}]}`, `DIR=${shellQuote(r.out)}/seed-$SEED`];
  if (r.resumable === false) {
    return [...pick, 'if [ -f "$DIR/metrics.json" ]; then echo "seed $SEED already finished in $DIR"; exit 0; fi', `exec ${train} --seed "$SEED" --out "$DIR"`];
  }
  return [...pick, 'RESUME=""', 'if [ -f "$DIR/config.json" ]; then RESUME="--resume"; fi', `exec ${train} --seed "$SEED" --out "$DIR" $RESUME`];
}

/** A Slurm job array script (sbatch <file>), run from the workspace root. */
export function slurmArrayScript(r: ScheduledRuns, options: Partial<SlurmOptions> = {}): string {
  checkRuns(r);
  const o = { ...DEFAULT_SLURM, ...options };
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${r.name}`,
    `#SBATCH --array=0-${r.seeds.length - 1}`,
    `#SBATCH --cpus-per-task=${o.cpusPerTask}`,
    `#SBATCH --mem=${o.memory}`,
    `#SBATCH --time=${o.time}`,
    `#SBATCH --output=${r.out}/slurm-%A_%a.log`,
    ...o.extra.map((e) => `#SBATCH ${e}`),
    `# ${r.seeds.length} runs of: npx mird train ${r.args.map(shellQuote).join(' ')}`,
    '# submit from the workspace root: sbatch ' + `${r.out}/slurm-array.sh`,
    '# when every task has finished: npx mird runs --dir ' + r.out,
    'set -euo pipefail',
    'cd "${SLURM_SUBMIT_DIR:-.}"',
    '# the wasm backend uses as many threads as the task has CPUs (src/wasm-threads.ts)',
    `export MIRD_WASM_THREADS="\${MIRD_WASM_THREADS:-\${SLURM_CPUS_PER_TASK:-${o.cpusPerTask}}}"`,
    ...runLines(r, 'SLURM_ARRAY_TASK_ID'),
    '',
  ].join('\n');
}

/** wasm threads for a Kubernetes CPU request ("2", "1.5", "500m"): its whole CPUs, 1 to MAX_WASM_THREADS. */
export function wasmThreadsOfCpu(cpu: string): number {
  const t = cpu.trim();
  const cores = t.endsWith('m') ? Number(t.slice(0, -1)) / 1000 : Number(t);
  if (!Number.isFinite(cores) || cores <= 0) throw new Error(`scheduler: CPU request "${cpu}" is not a Kubernetes quantity (e.g. 1, 2, 1500m)`);
  return Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(cores)));
}

/** A Kubernetes Indexed Job (batch/v1), as a JSON manifest (kubectl apply -f <file>). */
export function kubernetesIndexedJob(r: ScheduledRuns, options: Partial<KubernetesOptions> & { image: string }): Record<string, unknown> {
  checkRuns(r);
  const o: KubernetesOptions = { workdir: '/workspace', claim: 'mird-runs', cpu: '1', memory: '8Gi', parallelism: r.seeds.length, ...options };
  if (o.image.trim() === '') throw new Error('scheduler: a Kubernetes Job needs a container image (--image)');
  if (!Number.isInteger(o.parallelism) || o.parallelism < 1) throw new Error(`scheduler: parallelism ${o.parallelism} must be a positive integer`);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: r.name, labels: { app: 'mird' } },
    spec: {
      completionMode: 'Indexed',
      completions: r.seeds.length,
      parallelism: Math.min(o.parallelism, r.seeds.length),
      backoffLimit: 2 * r.seeds.length,
      template: {
        metadata: { labels: { app: 'mird', job: r.name } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'mird-train',
              image: o.image,
              workingDir: o.workdir,
              command: ['bash', '-c', runLines(r, 'JOB_COMPLETION_INDEX').join('\n')],
              // a CPU request is a quota, not a cpuset: Node would see every core of the node,
              // so the wasm backend's threads are set to the request (whole CPUs, at least 1)
              env: [{ name: 'MIRD_QUIET', value: '1' }, { name: 'MIRD_WASM_THREADS', value: String(wasmThreadsOfCpu(o.cpu)) }],
              resources: { requests: { cpu: o.cpu, memory: o.memory }, limits: { memory: o.memory } },
              volumeMounts: [{ name: 'runs', mountPath: `${o.workdir}/${r.out}` }],
            },
          ],
          volumes: [{ name: 'runs', persistentVolumeClaim: { claimName: o.claim } }],
        },
      },
    },
  };
}
