import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/backend';
import { runInfo, writeFileAtomic, gitCommit } from '../src/util/files';

test('writeFileAtomic creates folders, replaces whole files and leaves no temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mird-files-'));
  const path = join(dir, 'a', 'b', 'out.json');
  writeFileAtomic(path, '{"v":1}\n');
  writeFileAtomic(path, '{"v":2}\n');
  assert.equal(readFileSync(path, 'utf8'), '{"v":2}\n');
  assert.deepEqual(readdirSync(join(dir, 'a', 'b')), ['out.json']);
});

test('writeFileAtomic that cannot rename keeps the old target and removes its temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mird-files-'));
  const target = join(dir, 'target');
  mkdirSync(target); // a folder where the file should go: rename fails
  writeFileSync(join(target, 'keep'), 'x');
  assert.throws(() => writeFileAtomic(target, 'data'));
  assert.deepEqual(readdirSync(dir), ['target']);
  assert.equal(readFileSync(join(target, 'keep'), 'utf8'), 'x');
});

test('runInfo records the backend, the commit and the command', async () => {
  const backend = await initBackend();
  const info = runInfo('mird test', backend);
  assert.equal(info.backend.name, backend.name);
  assert.equal(info.command, 'mird test');
  assert.equal(info.gitCommit, gitCommit());
  if (info.gitCommit !== null) assert.match(info.gitCommit, /^[0-9a-f]{40}$/); // null outside a git checkout
  assert.ok(!Number.isNaN(Date.parse(info.startedAt)));
});
