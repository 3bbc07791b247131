#!/usr/bin/env node
/**
 * The largest functions of a package, by lines and cyclomatic complexity, so a refactoring can show a
 * reproducible before/after (issue 16). Complexity is ESLint's own `complexity` rule (wrapped, not
 * re-implemented: the figures are the ones `npx eslint` would report); lines are the function node's
 * first to last line.
 *
 *   node scripts/function-sizes.mjs [dir=packages/engine/src] [count=15]
 *
 * Test files (`*.test.ts`) are left out: the figures are about the code that runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Linter } from 'eslint';
import { builtinRules } from 'eslint/use-at-your-own-risk';
import tseslint from 'typescript-eslint';

const dir = process.argv[2] ?? 'packages/engine/src';
const count = Number(process.argv[3] ?? 15);

/** ESLint's complexity rule with its reports captured (node included) instead of turned into messages. */
function measuringRule(found) {
  const complexity = builtinRules.get('complexity');
  return {
    meta: complexity.meta,
    create(context) {
      const capturing = Object.create(context, {
        options: { value: [0] },
        report: { value: (descriptor) => found.push(descriptor) },
      });
      return complexity.create(capturing);
    },
  };
}

function* sourceFiles(root) {
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts'))
      yield path;
  }
}

const rows = [];
for (const file of sourceFiles(dir)) {
  const found = [];
  const linter = new Linter({ configType: 'flat' });
  const messages = linter.verify(
    readFileSync(file, 'utf8'),
    [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { sizes: { rules: { functions: measuringRule(found) } } },
        rules: { 'sizes/functions': 'error' },
      },
    ],
    relative(dir, file),
  );
  const fatal = messages.find((message) => message.fatal);
  if (fatal) throw new Error(`${file}: ${fatal.message}`);
  for (const report of found) {
    const { node, data } = report;
    rows.push({
      fn: `${relative(dir, file)}:${node.loc.start.line} ${data.name}`,
      lines: node.loc.end.line - node.loc.start.line + 1,
      complexity: Number(data.complexity),
    });
  }
}

rows.sort((a, b) => b.lines - a.lines || b.complexity - a.complexity);
console.log('| function | lines | complexity |\n|---|---:|---:|');
for (const row of rows.slice(0, count)) console.log(`| ${row.fn} | ${row.lines} | ${row.complexity} |`);
const byComplexity = [...rows].sort((a, b) => b.complexity - a.complexity).slice(0, count);
console.log(`\nMost complex ${count}:\n| function | lines | complexity |\n|---|---:|---:|`);
for (const row of byComplexity) console.log(`| ${row.fn} | ${row.lines} | ${row.complexity} |`);
console.log(`\n${rows.length} functions; total complexity ${rows.reduce((sum, row) => sum + row.complexity, 0)}`);
