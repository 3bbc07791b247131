/**
 * The README's quick start cannot rot: its curl and Node blocks (found by their
 * `<!-- quickstart:… -->` markers) run as written against a fresh server, with only the two
 * variables the README itself exports (OPENTILL_URL, OPENTILL_KEY) pointing at it, and must end in
 * exactly one paid payment.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '@opentill/testkit';
import { stripeFor } from './helpers.js';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

/** The first fenced block after `<!-- quickstart:name -->`. */
function quickstartBlock(markdown: string, name: string): string {
  const marker = `<!-- quickstart:${name} -->`;
  const at = markdown.indexOf(marker);
  assert.ok(at >= 0, `README.md has the ${marker} marker`);
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(markdown.slice(at + marker.length));
  assert.ok(block, `a code block follows ${marker}`);
  return block[1]!;
}

describe("the README's quick start ends in a paid payment", () => {
  const work = mkdtempSync(join(tmpdir(), 'opentill-readme-'));
  let server: RunningServer;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    server = await startServer({ store: 'sqlite', name: 'readme' });
    env = { ...process.env, OPENTILL_URL: server.baseUrl, OPENTILL_KEY: server.secretKey };
  });
  afterEach(() => server.stop());
  after(() => rmSync(work, { recursive: true, force: true }));

  async function assertOnePaidPayment(): Promise<string> {
    const stripe = stripeFor(server, server.secretKey);
    const payments = await stripe.paymentIntents.list();
    assert.equal(payments.data.length, 1);
    const [payment] = payments.data;
    assert.equal(payment!.status, 'succeeded');
    assert.equal(payment!.amount_received, 1000);
    assert.equal((await stripe.terminal.readers.list()).data.length, 1);
    assert.equal((await stripe.terminal.locations.list()).data.length, 1);
    return payment!.id;
  }

  test('the curl block, run by bash', async () => {
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', quickstartBlock(readme, 'curl')], {
      env,
      timeout: 60_000,
    });
    const id = await assertOnePaidPayment();
    // The last command's answer is the captured PaymentIntent.
    const captured = JSON.parse(stdout.slice(stdout.lastIndexOf('{"id":"pi_'))) as { id: string; status: string };
    assert.deepEqual({ id: captured.id, status: captured.status }, { id, status: 'succeeded' });
  });

  test('the Node block, run by node with the official stripe package', async () => {
    const dir = mkdtempSync(join(work, 'node-'));
    // The reader of the README ran `npm install stripe`: this clone's node_modules has it.
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'pay.mjs'), quickstartBlock(readme, 'node'));
    const { stdout } = await run(process.execPath, ['pay.mjs'], { cwd: dir, env, timeout: 60_000 });
    const id = await assertOnePaidPayment();
    assert.equal(stdout.trim(), `${id} succeeded`);
  });
});
