#!/usr/bin/env node
/**
 * Runs every compiled test file (`dist/**\/*.test.js` of each workspace) with node's test runner.
 * Node 20's `--test` takes no globs, so the files are listed here. Files run in parallel processes
 * (one per core); each PostgreSQL suite works in its own schema.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['packages', 'apps'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js') && path.includes('/dist/')) files.push(path);
  }
}
for (const root of roots) for (const pkg of readdirSync(root)) {
  const dist = join(root, pkg, 'dist');
  try { if (statSync(dist).isDirectory()) walk(dist); } catch { /* package not built */ }
}
/** One test never runs this long; a hang fails the run instead of holding CI until its own limit. */
const testTimeoutMs = 5 * 60 * 1000;
const filter = process.argv[2];
const selected = filter ? files.filter((file) => file.includes(filter)) : files;
if (selected.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', `--test-timeout=${testTimeoutMs}`, ...selected], { stdio: 'inherit' });
process.exit(result.status ?? 1);
