#!/usr/bin/env node
/**
 * API reports of the published entry points (Microsoft API Extractor): one `api-reports/<name>.api.md`
 * per entry, listing every exported declaration with its signature, so a change to a public surface
 * shows in review as a diff of that file.
 *
 *   node scripts/api-report.mjs            # check: fails (exit 1) when a report differs from the build
 *   node scripts/api-report.mjs --update   # rewrite the reports after an intended change
 *
 * It reads the compiled declarations (`dist/**\/*.d.ts`), so run it after `tsc -b`; `npm test` runs the
 * check after the build. docs/decisions.md, "Boundaries and habits as tools".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const reportFolder = join(root, 'api-reports');

/**
 * Each public entry point: the package it belongs to, its declaration file, the report's name, the
 * ambient type packages its declarations assume.
 */
export const entries = [
  // The SDK runs in browsers and React Native (DOM types, no Node's); core and protocol run on Node.
  { pkg: 'packages/terminal-sdk', types: 'dist/index.d.ts', name: 'terminal-sdk', ambient: [] },
  { pkg: 'packages/terminal-sdk', types: 'dist/mobile/index.d.ts', name: 'terminal-sdk.mobile', ambient: [] },
  { pkg: 'packages/terminal-sdk', types: 'dist/react/index.d.ts', name: 'terminal-sdk.react', ambient: [] },
  { pkg: 'packages/core', types: 'dist/index.d.ts', name: 'core', ambient: ['node'] },
  { pkg: 'packages/protocol', types: 'dist/index.d.ts', name: 'protocol', ambient: ['node'] },
];

/** Messages about our doc comments' TSDoc dialect or release tags, not about the surface. */
const quiet = { logLevel: 'none', addToApiReportFile: false };

export function runApiReports({ update = false } = {}) {
  const temp = mkdtempSync(join(tmpdir(), 'opentill-api-report-'));
  const changed = [];
  try {
    for (const entry of entries) {
      const packageFolder = join(root, entry.pkg);
      const config = ExtractorConfig.prepare({
        configObjectFullPath: join(packageFolder, 'api-extractor.json'), // virtual: nothing is read from it
        packageJsonFullPath: join(packageFolder, 'package.json'),
        configObject: {
          projectFolder: packageFolder,
          mainEntryPointFilePath: join(packageFolder, entry.types),
          compiler: {
            overrideTsconfig: {
              compilerOptions: {
                target: 'ES2022',
                module: 'NodeNext',
                moduleResolution: 'NodeNext',
                lib: ['ES2023', 'DOM'],
                types: entry.ambient,
                strict: true,
                skipLibCheck: true,
              },
            },
          },
          apiReport: { enabled: true, reportFileName: entry.name, reportFolder, reportTempFolder: temp },
          docModel: { enabled: false },
          dtsRollup: { enabled: false },
          tsdocMetadata: { enabled: false },
          messages: {
            // `tsc -b` type-checks these declarations already; what API Extractor's bundled compiler says
            // about third-party ones (stripe's extensionless imports) is not about our surface.
            compilerMessageReporting: { default: quiet },
            extractorMessageReporting: { default: quiet },
            tsdocMessageReporting: { default: quiet },
          },
        },
      });
      const result = Extractor.invoke(config, {
        localBuild: update,
        showVerboseMessages: false,
        messageCallback: (message) => {
          // Keep the run's output to what matters: a changed report and real errors.
          if (message.logLevel !== 'error') message.handled = true;
        },
      });
      if (!result.succeeded || result.apiReportChanged) changed.push(`${entry.name} (${entry.pkg}/${entry.types})`);
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  return changed;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const update = process.argv.includes('--update');
  const changed = runApiReports({ update });
  if (changed.length > 0 && !update) {
    console.error(
      `API report differs from the build for: ${changed.join(', ')}.\n` +
        'If the surface change is intended, run `node scripts/api-report.mjs --update` and commit api-reports/.',
    );
    process.exit(1);
  }
  console.log(
    update ? `API reports written to api-reports/ (${changed.length} changed)` : 'API reports match the build',
  );
}
