#!/usr/bin/env node
/**
 * Makes every workspace's `bin` files executable after `tsc -b` (tsc writes them 0644), so
 * `npx opentill` works in a clone and the packed tarball carries the executable bit.
 * tsc keeps the shebang of src/main.ts and the mode of a file it rewrites.
 */
import { chmodSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

for (const root of ['apps', 'packages']) {
  for (const name of readdirSync(root)) {
    const manifest = join(root, name, 'package.json');
    if (!existsSync(manifest)) continue;
    const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
    const targets = typeof bin === 'string' ? [bin] : Object.values(bin ?? {});
    for (const target of targets) {
      const path = join(root, name, target);
      if (existsSync(path)) chmodSync(path, 0o755);
    }
  }
}
