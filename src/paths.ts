// Locating the repository root without `import.meta` or `__dirname`: src/ runs both as ESM
// (tsx: CLI, tests) and as CommonJS compiled by tslab in notebooks, and neither name exists
// in both. The root is the nearest folder above the working directory whose package.json
// names this workspace; MIRD_ROOT overrides.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const PACKAGE_NAME = 'mird-workspace';
let cachedRoot: string | null = null;

export function repoRoot(): string {
  if (cachedRoot !== null) return cachedRoot;
  const fromEnv = process.env.MIRD_ROOT;
  if (fromEnv !== undefined && fromEnv !== '') {
    cachedRoot = resolve(fromEnv);
    return cachedRoot;
  }
  let dir = resolve(process.cwd());
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown };
        if (parsed.name === PACKAGE_NAME) {
          cachedRoot = dir;
          return dir;
        }
      } catch {
        // an unreadable package.json above us is not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `cannot find the MIRD workspace root (a package.json named "${PACKAGE_NAME}") above ${process.cwd()}; ` +
          'run from inside the repository or set MIRD_ROOT',
      );
    }
    dir = parent;
  }
}

/** Absolute path of a file inside the repository, e.g. `repoPath('data', 'mosi', 'label.csv')`. */
export function repoPath(...parts: string[]): string {
  return join(repoRoot(), ...parts);
}
