/**
 * The `opentill` command line against a running server, through the built binary: help and version, one-line
 * usage errors with exit code 2, finding the local server without flags, saying which URL it tried
 * when it cannot, busy ports refused before anything is written, Stripe CLI forms of listen/trigger.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '@opentill/testkit';
import { runCli, startCli } from './cli-process.js';
import { raw } from './helpers.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

function assertUsageError(result: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
  assert.match(result.stderr, pattern);
}

describe('opentill CLI against a running server', () => {
  let dir: string;
  let server: RunningServer;
  let receiver: Receiver;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opentill-cli-'));
    // `.opentill` under the client's working directory: what `opentill serve` uses by default.
    server = await startServer({ store: 'sqlite', name: 'cli', dataDir: join(dir, '.opentill') });
    receiver = await startReceiver();
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serve records its address and key location; clients find both with no flags at all', async () => {
    const record = JSON.parse(readFileSync(join(dir, '.opentill', 'server.json'), 'utf8')) as {
      url: string;
      pid: number;
      key: unknown;
    };
    assert.equal(record.url, server.baseUrl);
    assert.equal(record.pid, server.process.pid);
    assert.deepEqual(record.key, { given: 'flag' }, 'the test server got its key by flag');
    // The key was given by flag, so a client with no key says so and how to pass it.
    const noKey = await runCli(['reset'], { cwd: dir });
    assert.equal(noKey.code, 1);
    assert.match(
      noKey.stderr,
      new RegExp(`the server at ${server.baseUrl.replace(/\./g, '\\.')} was started with its key given by --api-key`),
    );
    // With the key in the environment, the address comes from the record (an unrelated PORT does not win).
    const result = await runCli(['trigger', 'payment_intent.created'], {
      cwd: dir,
      env: { OPENTILL_SECRET_KEY: server.secretKey, PORT: '1' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Trigger succeeded! payment_intent\.created evt_\w+ \(via pi_\w+\)\n$/);
    // From elsewhere, --data-dir points to it.
    const elsewhere = await runCli([
      'trigger',
      'payment_intent.created',
      '--data-dir',
      join(dir, '.opentill'),
      '--api-key',
      server.secretKey,
    ]);
    assert.equal(elsewhere.code, 0, elsewhere.stderr);
  });

  it('trigger reuses its location and reader; --override and --add change the requests', async () => {
    const key = ['--api-key', server.secretKey, '--api-base', server.baseUrl];
    for (let run = 0; run < 3; run += 1) {
      const result = await runCli(['trigger', 'terminal.reader.action_succeeded', ...key]);
      assert.equal(result.code, 0, result.stderr);
    }
    const readers = await raw(server, 'GET', '/v1/terminal/readers?limit=100', { key: server.secretKey });
    assert.equal((readers.body.data as unknown[]).length, 1, 'one reader for every run');
    const locations = await raw(server, 'GET', '/v1/terminal/locations?limit=100', { key: server.secretKey });
    assert.equal((locations.body.data as unknown[]).length, 1);

    const custom = await runCli([
      'trigger',
      'payment_intent.succeeded',
      ...key,
      '--override',
      'payment_intent:amount=5000',
      '--override',
      'payment_intent:currency=eur',
      '--add',
      'payment_intent:metadata.order=6735',
    ]);
    assert.equal(custom.code, 0, custom.stderr);
    const piId = /via (pi_\w+)/.exec(custom.stdout)![1]!;
    const pi = await raw(server, 'GET', `/v1/payment_intents/${piId}`, { key: server.secretKey });
    assert.equal(pi.body.amount, 5000);
    assert.equal(pi.body.currency, 'eur');
    assert.deepEqual(pi.body.metadata, { order: '6735' });
    assert.equal(pi.body.status, 'succeeded');

    assertUsageError(
      await runCli(['trigger', 'payment_intent.created', ...key, '--override', 'payment_intent:metadata.x=1']),
      /--override payment_intent:metadata\.x: the flow does not send that parameter; use --add/,
    );
    assertUsageError(
      await runCli(['trigger', 'payment_intent.created', ...key, '--add', 'payment_intent:amount=1']),
      /--add payment_intent:amount: the flow already sends that parameter; use --override/,
    );
  });

  it('listen: the Stripe CLI forms (--forward-to host:port/path, --headers, --print-secret, --format json)', async () => {
    const key = ['--api-key', server.secretKey, '--api-base', server.baseUrl];
    const secret = await runCli(['listen', '--print-secret', ...key]);
    assert.equal(secret.code, 0, secret.stderr);
    assert.match(secret.stdout, /^whsec_\w+\n$/);

    const target = new URL(receiver.url);
    const listener = startCli([
      'listen',
      '--forward-to',
      `${target.host}${target.pathname}`,
      '--headers',
      'X-Env: test,X-Team: pos',
      ...key,
    ]);
    try {
      await listener.waitFor(/Ready! Your webhook signing secret is whsec_/);
      assert.equal((await runCli(['trigger', 'refund.created', ...key])).code, 0);
      await listener.waitFor(/--> refund\.created \[evt_\w+\]\s+<-- \[200\] \(\d+ ms\) POST http:\/\//);
      const [received] = receiver.ofType('refund.created');
      assert.ok(received);
      assert.equal(received.headers['x-env'], 'test');
      assert.equal(received.headers['x-team'], 'pos');
      assert.match(String(received.headers['stripe-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);
    } finally {
      await listener.stop();
    }
  });

  it('listen --format json | head -1: one JSON event, then a clean exit when the pipe closes', async () => {
    const key = ['--api-key', server.secretKey, '--api-base', server.baseUrl];
    const listener = startCli(['listen', '--format', 'json', ...key]);
    await listener.waitFor(/Ready! Your webhook signing secret/);
    const firstLine = new Promise<string>((resolve) => {
      let buffered = '';
      listener.child.stdout!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        if (buffered.includes('\n')) resolve(buffered.slice(0, buffered.indexOf('\n')));
      });
    });
    assert.equal((await runCli(['trigger', 'payment_intent.succeeded', ...key])).code, 0);
    const event = JSON.parse(await firstLine) as { object: string; type: string };
    assert.equal(event.object, 'event');
    // What `head -1` does: close the reading end. More events make the listener write into it.
    listener.child.stdout!.destroy();
    assert.equal((await runCli(['trigger', 'payment_intent.succeeded', ...key])).code, 0);
    const code = await new Promise<number | null>((resolve) => {
      if (listener.child.exitCode !== null) resolve(listener.child.exitCode);
      else listener.child.once('exit', (exitCode) => resolve(exitCode));
    });
    assert.equal(code, 0);
    assert.doesNotMatch(listener.output(), /EPIPE|\n\s+at /);
  });

  it('reader --pair prints how to create a location, the register command, the next command and the screen URL', async () => {
    const reader = startCli([
      'reader',
      '--pair',
      '--quiet',
      '--api-key',
      server.secretKey,
      '--api-base',
      server.baseUrl,
    ]);
    try {
      const [, code] = await reader.waitFor(/Registration code: (\S+)/);
      // The guidance is written after the code, in later writes: wait for its last line.
      await reader.waitFor(/registration_code=\S+ -d location=tml_…/);
      assert.match(
        reader.output(),
        new RegExp(
          `curl ${server.baseUrl.replace(/\./g, '\\.')}/v1/terminal/locations -u ${server.secretKey}: -d display_name=Shop`,
        ),
      );
      assert.match(reader.output(), new RegExp(`-d registration_code=${code} -d location=tml_…`));
      const location = await raw(server, 'POST', '/v1/terminal/locations', {
        key: server.secretKey,
        form: {
          display_name: 'Pair',
          address: { line1: '1 Rue', city: 'Paris', postal_code: '75001', country: 'FR' },
        },
      });
      const registered = await raw(server, 'POST', '/v1/terminal/readers', {
        key: server.secretKey,
        form: { registration_code: code, location: location.body.id },
      });
      assert.equal(registered.status, 200, JSON.stringify(registered.body));
      await reader.waitFor(/opentill reader --reader-secret acct_\w+\/tmr_\w+\/rdrsk_\w+/);
      const [, url] = await reader.waitFor(/Screen: (http\S+)/);
      assert.match(
        url!,
        new RegExp(
          `^${server.baseUrl.replace(/\./g, '\\.')}/opentill/screen/${String(registered.body.id)}\\?token=otscr_`,
        ),
      );

      const printed = await runCli([
        'screen',
        String(registered.body.id),
        '--lang',
        'fr',
        '--api-key',
        server.secretKey,
        '--api-base',
        server.baseUrl,
      ]);
      assert.equal(printed.code, 0, printed.stderr);
      assert.match(
        printed.stdout,
        new RegExp(
          `^${server.baseUrl.replace(/\./g, '\\.')}/opentill/screen/${String(registered.body.id)}\\?token=otscr_\\S+&lang=fr\\n$`,
        ),
      );
      const page = await fetch(printed.stdout.trim());
      assert.equal(page.status, 200);
    } finally {
      await reader.stop();
    }
    const missing = await runCli([
      'screen',
      'tmr_doesnotexist',
      '--api-key',
      server.secretKey,
      '--api-base',
      server.baseUrl,
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^opentill: the screen of tmr_doesnotexist was refused: HTTP 404: /);
  });
});
