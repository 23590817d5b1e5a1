// Runs past one machine: `mird train --seeds … --emit slurm|k8s` writes a Slurm job array or a
// Kubernetes Indexed Job, one index per seed. The files are checked as text / JSON, the Slurm
// script is run as a task of the array would run it (its index in SLURM_ARRAY_TASK_ID), twice:
// the second time resumes the finished run and only reports it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { kubernetesIndexedJob, shellQuote, slurmArrayScript, wasmThreadsOfCpu } from '../src/train/schedulers';

const root = process.cwd();
const runs = { args: ['--preset', 'quick', '--set', 'maxEpochs=1', '--data', "my clips/it's.pkl"], seeds: [0, 3, 7], out: 'runs/sweep-a', name: 'mird-quick-3runs' };

test('slurm array: one task per seed, resumes a folder that has a config, arguments quoted for sh', () => {
  const s = slurmArrayScript(runs, { extra: ['--partition=cpu'] });
  assert.match(s, /^#!\/bin\/bash\n/);
  assert.match(s, /#SBATCH --array=0-2\n/);
  assert.match(s, /#SBATCH --partition=cpu\n/);
  assert.match(s, /SEEDS=\(0 3 7\)\nSEED=\$\{SEEDS\[SLURM_ARRAY_TASK_ID\]\}/);
  assert.match(s, /if \[ -f "\$DIR\/config.json" \]; then RESUME="--resume"; fi/);
  assert.ok(s.includes(`exec npx mird train --preset quick --set maxEpochs=1 --data 'my clips/it'\\''s.pkl' --seed "$SEED" --out "$DIR" $RESUME`), s);
  const r = spawnSync('bash', ['-n'], { input: s, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // the task's wasm threads follow its CPUs
  assert.match(slurmArrayScript(runs, { cpusPerTask: 4 }), /#SBATCH --cpus-per-task=4\n[\s\S]*export MIRD_WASM_THREADS="\$\{MIRD_WASM_THREADS:-\$\{SLURM_CPUS_PER_TASK:-4\}\}"/);
  const threads = spawnSync('bash', ['-c', `${s.split('\n').find((l) => l.startsWith('export MIRD_WASM_THREADS'))}; printf %s "$MIRD_WASM_THREADS"`], { encoding: 'utf8', env: { PATH: process.env.PATH, SLURM_CPUS_PER_TASK: '3' } });
  assert.equal(threads.stdout, '3');
  // the quoting survives the shell: echo the argument back
  const echo = spawnSync('bash', ['-c', `printf '%s' ${shellQuote("my clips/it's.pkl")}`], { encoding: 'utf8' });
  assert.equal(echo.stdout, "my clips/it's.pkl");
});

test('kubernetes indexed job: completions = seeds, the index picks the seed, the runs folder is a mounted claim', () => {
  const j = kubernetesIndexedJob(runs, { image: 'registry.example/mird:1', parallelism: 2 }) as {
    apiVersion: string; kind: string;
    spec: { completionMode: string; completions: number; parallelism: number; template: { spec: { restartPolicy: string; containers: Array<{ image: string; command: string[]; workingDir: string; volumeMounts: Array<{ mountPath: string }> }>; volumes: Array<{ persistentVolumeClaim: { claimName: string } }> } } };
  };
  assert.equal(j.apiVersion, 'batch/v1');
  assert.equal(j.kind, 'Job');
  assert.equal(j.spec.completionMode, 'Indexed');
  assert.equal(j.spec.completions, 3);
  assert.equal(j.spec.parallelism, 2);
  assert.equal(j.spec.template.spec.restartPolicy, 'Never');
  const c = j.spec.template.spec.containers[0]!;
  assert.equal(c.image, 'registry.example/mird:1');
  assert.deepEqual(c.command.slice(0, 2), ['bash', '-c']);
  assert.match(c.command[2]!, /SEED=\$\{SEEDS\[JOB_COMPLETION_INDEX\]\}/);
  assert.equal(c.volumeMounts[0]!.mountPath, '/workspace/runs/sweep-a');
  assert.equal(j.spec.template.spec.volumes[0]!.persistentVolumeClaim.claimName, 'mird-runs');
  assert.equal(spawnSync('bash', ['-n'], { input: c.command[2], encoding: 'utf8' }).status, 0);
  const env = (kubernetesIndexedJob(runs, { image: 'x', cpu: '2' }) as { spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value: string }> }> } } } }).spec.template.spec.containers[0]!.env;
  assert.deepEqual(env.find((e) => e.name === 'MIRD_WASM_THREADS'), { name: 'MIRD_WASM_THREADS', value: '2' });
  assert.deepEqual(['1', '2', '1500m', '500m', '32'].map(wasmThreadsOfCpu), [1, 2, 1, 1, 8]);
  assert.throws(() => wasmThreadsOfCpu('two'), /CPU request "two"/);
});

test('scheduler files refuse what a cluster would fail on later', () => {
  assert.throws(() => slurmArrayScript({ ...runs, seeds: [] }), /no seeds/);
  assert.throws(() => slurmArrayScript({ ...runs, name: 'Bad Name' }), /job name "Bad Name"/);
  assert.throws(() => slurmArrayScript({ ...runs, out: '/abs/runs' }), /inside the workspace/);
  assert.throws(() => slurmArrayScript({ ...runs, out: '../elsewhere' }), /inside the workspace/);
  assert.throws(() => kubernetesIndexedJob(runs, { image: ' ' }), /container image/);
});

test('mird train --emit slurm writes the array; one task runs its seed, a second run of the same task only reports it', () => {
  mkdirSync(join(root, 'runs'), { recursive: true }); // a clean clone has no runs/ yet
  const dir = mkdtempSync(join(root, 'runs', 'test-emit-'));
  try {
    const out = relative(root, dir);
    const env = { ...process.env, MIRD_QUIET: '1' };
    const e = spawnSync(process.execPath, [join(root, 'bin', 'mird.js'), 'train', '--preset', 'quick', '--seeds', '0,1', '--set', 'maxEpochs=1', '--emit', 'slurm', '--out', out], { cwd: root, encoding: 'utf8', env });
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stdout, /2 run\(s\), one array task each/);
    const script = join(dir, 'slurm-array.sh');
    assert.ok(existsSync(script));
    assert.ok(!existsSync(join(dir, 'seed-0')) && !existsSync(join(dir, 'seed-1')), 'emitting runs nothing');
    const task = (): { status: number | null; stdout: string; stderr: string } => spawnSync('bash', [script], { cwd: root, encoding: 'utf8', env: { ...env, SLURM_ARRAY_TASK_ID: '1', SLURM_SUBMIT_DIR: root } });
    const first = task();
    assert.equal(first.status, 0, first.stderr);
    assert.ok(existsSync(join(dir, 'seed-1', 'metrics.json')), 'task 1 trained seed 1');
    assert.ok(!existsSync(join(dir, 'seed-0')), 'task 1 ran only its own seed');
    const config = JSON.parse(readFileSync(join(dir, 'seed-1', 'config.json'), 'utf8')) as { seed?: number; resolved?: { seed: number } };
    assert.equal(config.resolved?.seed ?? config.seed, 1);
    const again = task();
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /test Acc2/);
    const bad = spawnSync(process.execPath, [join(root, 'bin', 'mird.js'), 'train', '--preset', 'quick', '--seeds', '0,1', '--emit', 'pbs', '--out', out], { cwd: root, encoding: 'utf8', env });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--emit pbs: unknown \(known: slurm, k8s\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runs that cannot resume (the text host alone) skip a finished folder instead of resuming it', () => {
  const s = slurmArrayScript({ ...runs, args: ['--model', 'text-host'], name: 'mird-text-host-3runs', resumable: false });
  assert.match(s, /if \[ -f "\$DIR\/metrics.json" \]; then echo "seed \$SEED already finished in \$DIR"; exit 0; fi/);
  assert.ok(!s.includes('--resume'));
  assert.match(s, /exec npx mird train --model text-host --seed "\$SEED" --out "\$DIR"\n/);
  assert.equal(spawnSync('bash', ['-n'], { input: s, encoding: 'utf8' }).status, 0);
});
