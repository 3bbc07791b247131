/**
 * The SDKs against the published types they stand in for (docs/sdk.md, docs/tap-to-pay-sdk.md),
 * compiled with `tsc --noEmit` from vendored copies (no network):
 * - `@stripe/terminal-js` 0.26.0 (packages/terminal-sdk/compat/terminal-js): OpenTill's Terminal is
 *   assignable to its `Terminal`;
 * - `@stripe/stripe-terminal-react-native` 0.0.1-beta.30 (compat/react-native): OpenTill's
 *   `useStripeTerminal` is assignable to React Native's member by member, and a point of sale written
 *   against React Native's types compiles against both, its import swapped only.
 * Any difference in a parameter, a result shape or a field type fails here.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const compat = join(root, 'packages', 'terminal-sdk', 'compat');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** Runs `tsc -p <project>`; resolves with its exit code and output. */
function compile(project: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsc, '-p', join(compat, project)],
      { cwd: root, timeout: 300_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe('SDK type compatibility (tsc --noEmit)', () => {
  test('the JS SDK is assignable to @stripe/terminal-js 0.26.0 Terminal', async () => {
    const { code, output } = await compile('tsconfig.json');
    assert.equal(code, 0, output);
  });

  test("useStripeTerminal is assignable to React Native's, member by member", async () => {
    const { code, output } = await compile('react-native/tsconfig.check.json');
    assert.equal(code, 0, output);
  });

  test("a React Native point of sale compiles against React Native's types and, import swapped, against OpenTill's", async () => {
    const [reactNative, openTill] = await Promise.all([
      compile('react-native/tsconfig.rn.json'),
      compile('react-native/tsconfig.opentill.json'),
    ]);
    assert.equal(reactNative.code, 0, `the sample no longer matches React Native's types: ${reactNative.output}`);
    assert.equal(openTill.code, 0, openTill.output);
  });

  test('the check can fail: a wrong parameter type is reported', async () => {
    const { code, output } = await compile('react-native/tsconfig.negative.json');
    assert.notEqual(code, 0);
    assert.match(output, /negative\.ts/);
  });
});
