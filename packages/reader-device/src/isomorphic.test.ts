import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

test('the device runs anywhere: its compiled modules import nothing but each other', () => {
  const dist = dirname(fileURLToPath(import.meta.url));
  for (const file of readdirSync(dist).filter((name) => name.endsWith('.js') && !name.endsWith('.test.js'))) {
    const source = readFileSync(join(dist, file), 'utf8');
    for (const match of source.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)) {
      assert.ok(match[1]!.startsWith('./'), `${file} imports ${match[1]}`);
    }
    assert.doesNotMatch(
      source,
      /\b(require|process|Buffer|Date\.now|Math\.random)\b/,
      `${file} uses a runtime-specific or impure global`,
    );
  }
});
