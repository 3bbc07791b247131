/**
 * The `opentill` command line as a user meets it, through the built binary: help and version, one-line
 * usage errors with exit code 2, finding the local server without flags, saying which URL it tried
 * when it cannot, busy ports refused before anything is written, Stripe CLI forms of listen/trigger.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '@opentill/testkit';
import { runCli, startCli } from './cli-process.js';
import { reconnectDelayCapMs, reconnectDelayMs } from '../commands/listen.js';
import { opener } from '../commands/screen.js';
import { raw } from './helpers.js';
import { startReceiver, type Receiver } from './webhook-receiver.js';

const commandNames = ['serve', 'listen', 'trigger', 'reader', 'screen', 'reset'];

/** A port nothing listens on: bound, noted, closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function assertUsageError(result: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

describe('opentill CLI: help, version, usage errors', () => {
  it('opentill --help lists every command; no arguments shows it too', async () => {
    for (const args of [['--help'], ['-h'], []]) {
      const result = await runCli(args);
      assert.equal(result.code, 0);
      for (const name of commandNames) assert.match(result.stdout, new RegExp(`^  ${name}\\s+\\S`, 'm'));
    }
  });

  it('every command has its own --help with usage, options and examples', async () => {
    for (const name of commandNames) {
      for (const args of [[name, '--help'], ['help', name]]) {
        const result = await runCli(args);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, new RegExp(`Usage:\\n  opentill ${name}`));
        assert.match(result.stdout, /\nOptions:\n/);
        assert.match(result.stdout, new RegExp(`\\nExamples:\\n  opentill ${name}`));
      }
    }
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const result = await runCli([flag]);
      assert.equal(result.code, 0);
      assert.equal(result.stdout, `opentill ${version}\n`);
    }
  });

  it('an unknown command: exit 2, one line with a suggestion', async () => {
    assertUsageError(await runCli(['serv']), /unknown command 'serv'; did you mean 'serve'\?/);
    assertUsageError(await runCli(['--port', '80']), /comes after a command/);
  });

  it('every command refuses an unknown flag with exit 2 and one line naming it', async () => {
    for (const name of commandNames) {
      assertUsageError(await runCli([name, '--bogus-flag']), new RegExp(`opentill ${name}: unknown flag --bogus-flag \\(see opentill ${name} --help\\)`));
    }
    assertUsageError(await runCli(['listen', '--forward-too', 'x']), /unknown flag --forward-too; did you mean --forward-to\?/);
  });

  it('bad values: one actionable line, exit 2, nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opentill-cli-bad-'));
    try {
      const dataDir = join(dir, 'data');
      const cases: Array<[string[], RegExp]> = [
        [['serve', '--port', 'abc', '--data-dir', dataDir], /--port: 'abc' is not a port number; use 0 to 65535/],
        [['serve', '--port', '70000', '--data-dir', dataDir], /--port: '70000' is not a port number/],
        [['serve', '--port'], /--port needs a value/],
        [['serve', '--webhook-poll', '5', '--data-dir', dataDir], /--webhook-poll: '5' is not a duration \(add a unit: 5s or 5ms\)/],
        [['serve', '--api-key', 'pk_test_x', '--data-dir', dataDir], /--api-key: a secret key looks like sk_test_/],
        [['serve', '--seed', 'a b', '--data-dir', dataDir], /--seed: use up to 64 letters/],
        [['serve', '--log', 'yes'], /unexpected argument 'yes'/],
        [['listen', '--forward-timeout', '10'], /--forward-timeout: '10' is not a duration/],
        [['listen', '--forward-to', 'ftp://x/y'], /--forward-to: 'ftp:\/\/x\/y' must be http:\/\/ or https:\/\//],
        [['listen', '--format', 'xml'], /--format: 'xml' is not supported; use --format json/],
        [['listen', '--headers', 'nocolon'], /--headers: 'nocolon' is not "Name: value"/],
        [['trigger'], /name an event/],
        [['trigger', 'invoice.paid'], /cannot trigger 'invoice.paid'/],
        [['trigger', 'payment_intent.succeded'], /did you mean payment_intent\.succeeded\?/],
        [['trigger', 'payment_intent.created', '--override', 'amount=5'], /--override: 'amount=5' is not resource:param=value/],
        [['trigger', 'payment_intent.created', '--add', 'invoice:x=1'], /--add: unknown resource 'invoice'/],
        [['reader'], /pass --pair .* or --reader-secret/],
        [['reader', '--pair', '--personality', 'p400'], /--personality: 'p400' is not wisepos_e or s700/],
        [['reader', '--pair', '--tip=-3'], /--tip: '-3' is not a whole number from 0/],
        [['reader', '--pair', '--tip', '-3'], /--tip needs a value; write one that starts with '-' as --tip=-…/],
        [['reader', '--reader-secret', 'nope'], /--reader-secret must look like acct_…\/tmr_…\/rdrsk_…/],
        [['screen'], /name a reader/],
        [['screen', 'pi_123'], /'pi_123' is not a reader id/],
        [['screen', 'tmr_1', '--lang', 'french'], /--lang: 'french' is not a two-letter language code/],
        [['reset', 'now'], /unexpected argument 'now'/],
      ];
      for (const [args, pattern] of cases) assertUsageError(await runCli(args, { cwd: dir }), pattern);
      assert.equal(existsSync(dataDir), false, 'no data directory was created');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('client commands that cannot connect say which URL they tried, where it came from, and how to fix it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opentill-cli-unreach-'));
    try {
      const port = await closedPort();
      const key = ['--api-key', 'sk_test_x'];
      for (const [args, env, source] of [
        [['trigger', 'payment_intent.created', ...key], { PORT: String(port) }, 'PORT'],
        [['reset', ...key], { OPENTILL_API_BASE: `127.0.0.1:${port}` }, 'OPENTILL_API_BASE'],
        [['screen', 'tmr_1', ...key, '--api-base', `http://127.0.0.1:${port}`], {}, '--api-base'],
      ] as Array<[string[], Record<string, string>, string]>) {
        const result = await runCli(args, { cwd: dir, env });
        assert.equal(result.code, 1, result.stderr);
        assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
        assert.match(result.stderr, new RegExp(`cannot reach OpenTill at http://127\\.0\\.0\\.1:${port} \\(connection refused; address from ${source}\\)\\. ` +
          `Start it with 'opentill serve', or point to it with --api-base <url> or OPENTILL_API_BASE`));
      }
      const noKey = await runCli(['reset', '--api-base', `http://127.0.0.1:${port}`], { cwd: dir });
      assert.equal(noKey.code, 1);
      assert.match(noKey.stderr, /no API key: pass --api-key sk_test_… \(or set OPENTILL_SECRET_KEY\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('listen backs off while the server is unreachable: 1s, 2s, 4s … capped at 30s', async () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 20].map(reconnectDelayMs), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    assert.equal(reconnectDelayCapMs, 30_000);
    const port = await closedPort();
    const listener = startCli(['listen', '--api-key', 'sk_test_x', '--api-base', `http://127.0.0.1:${port}`]);
    try {
      await listener.waitFor(new RegExp(`cannot reach OpenTill at http://127\\.0\\.0\\.1:${port} \\(connection refused; address from --api-base\\)`));
      await listener.waitFor(/retrying in 1s/);
      await listener.waitFor(/retrying in 2s/);
    } finally {
      assert.equal(await listener.stop(), 0, 'SIGINT ends it cleanly');
    }
    assert.doesNotMatch(listener.output(), /\n\s+at /);
  });

  it('boolean flags take --no-: serve --no-webhook-allow-private refuses a loopback webhook URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opentill-cli-no-'));
    const server = startCli(['serve', '--port', '0', '--data-dir', dir, '--api-key', 'sk_test_noprivate', '--no-webhook-allow-private']);
    try {
      const [, port] = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      const refused = await raw({ baseUrl: `http://127.0.0.1:${port}` }, 'POST', '/v1/webhook_endpoints',
        { key: 'sk_test_noprivate', form: { url: 'http://127.0.0.1:9/hook', enabled_events: ['*'] } });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.code, 'url_invalid');
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('screen --open uses the platform\'s opener', () => {
    assert.deepEqual(opener('linux'), { command: 'xdg-open', args: [] });
    assert.deepEqual(opener('darwin'), { command: 'open', args: [] });
    assert.equal(opener('win32').command, 'cmd');
  });

  it('a busy port is refused before anything is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opentill-cli-busy-'));
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const dataDir = join(dir, 'data');
      const result = await runCli(['serve', '--port', String(port), '--data-dir', dataDir]);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr, `opentill: port ${port} on 127.0.0.1 is already in use; pick another with --port <n> (or env PORT), ` +
        `or stop what uses it (e.g. lsof -i :${port})\n`);
      assert.equal(existsSync(dataDir), false, 'no data directory, database or key was created');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

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
    const record = JSON.parse(readFileSync(join(dir, '.opentill', 'server.json'), 'utf8')) as { url: string; pid: number; key: unknown };
    assert.equal(record.url, server.baseUrl);
    assert.equal(record.pid, server.process.pid);
    assert.deepEqual(record.key, { given: 'flag' }, 'the test server got its key by flag');
    // The key was given by flag, so a client with no key says so and how to pass it.
    const noKey = await runCli(['reset'], { cwd: dir });
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, new RegExp(`the server at ${server.baseUrl.replace(/\./g, '\\.')} was started with its key given by --api-key`));
    // With the key in the environment, the address comes from the record (an unrelated PORT does not win).
    const result = await runCli(['trigger', 'payment_intent.created'], { cwd: dir, env: { OPENTILL_SECRET_KEY: server.secretKey, PORT: '1' } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Trigger succeeded! payment_intent\.created evt_\w+ \(via pi_\w+\)\n$/);
    // From elsewhere, --data-dir points to it.
    const elsewhere = await runCli(['trigger', 'payment_intent.created', '--data-dir', join(dir, '.opentill'), '--api-key', server.secretKey]);
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

    const custom = await runCli(['trigger', 'payment_intent.succeeded', ...key, '--override', 'payment_intent:amount=5000',
      '--override', 'payment_intent:currency=eur', '--add', 'payment_intent:metadata.order=6735']);
    assert.equal(custom.code, 0, custom.stderr);
    const piId = /via (pi_\w+)/.exec(custom.stdout)![1]!;
    const pi = await raw(server, 'GET', `/v1/payment_intents/${piId}`, { key: server.secretKey });
    assert.equal(pi.body.amount, 5000);
    assert.equal(pi.body.currency, 'eur');
    assert.deepEqual(pi.body.metadata, { order: '6735' });
    assert.equal(pi.body.status, 'succeeded');

    assertUsageError(await runCli(['trigger', 'payment_intent.created', ...key, '--override', 'payment_intent:metadata.x=1']),
      /--override payment_intent:metadata\.x: the flow does not send that parameter; use --add/);
    assertUsageError(await runCli(['trigger', 'payment_intent.created', ...key, '--add', 'payment_intent:amount=1']),
      /--add payment_intent:amount: the flow already sends that parameter; use --override/);
  });

  it('listen: the Stripe CLI forms (--forward-to host:port/path, --headers, --print-secret, --format json)', async () => {
    const key = ['--api-key', server.secretKey, '--api-base', server.baseUrl];
    const secret = await runCli(['listen', '--print-secret', ...key]);
    assert.equal(secret.code, 0, secret.stderr);
    assert.match(secret.stdout, /^whsec_\w+\n$/);

    const target = new URL(receiver.url);
    const listener = startCli(['listen', '--forward-to', `${target.host}${target.pathname}`, '--headers', 'X-Env: test,X-Team: pos', ...key]);
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
    const reader = startCli(['reader', '--pair', '--quiet', '--api-key', server.secretKey, '--api-base', server.baseUrl]);
    try {
      const [, code] = await reader.waitFor(/Registration code: (\S+)/);
      assert.match(reader.output(), new RegExp(`curl ${server.baseUrl.replace(/\./g, '\\.')}/v1/terminal/locations -u ${server.secretKey}: -d display_name=Shop`));
      assert.match(reader.output(), new RegExp(`-d registration_code=${code} -d location=tml_…`));
      const location = await raw(server, 'POST', '/v1/terminal/locations', { key: server.secretKey, form: {
        display_name: 'Pair', address: { line1: '1 Rue', city: 'Paris', postal_code: '75001', country: 'FR' } } });
      const registered = await raw(server, 'POST', '/v1/terminal/readers', { key: server.secretKey,
        form: { registration_code: code, location: location.body.id } });
      assert.equal(registered.status, 200, JSON.stringify(registered.body));
      await reader.waitFor(/opentill reader --reader-secret acct_\w+\/tmr_\w+\/rdrsk_\w+/);
      const [, url] = await reader.waitFor(/Screen: (http\S+)/);
      assert.match(url!, new RegExp(`^${server.baseUrl.replace(/\./g, '\\.')}/opentill/screen/${String(registered.body.id)}\\?token=otscr_`));

      const printed = await runCli(['screen', String(registered.body.id), '--lang', 'fr', '--api-key', server.secretKey, '--api-base', server.baseUrl]);
      assert.equal(printed.code, 0, printed.stderr);
      assert.match(printed.stdout, new RegExp(`^${server.baseUrl.replace(/\./g, '\\.')}/opentill/screen/${String(registered.body.id)}\\?token=otscr_\\S+&lang=fr\\n$`));
      const page = await fetch(printed.stdout.trim());
      assert.equal(page.status, 200);
    } finally {
      await reader.stop();
    }
    const missing = await runCli(['screen', 'tmr_doesnotexist', '--api-key', server.secretKey, '--api-base', server.baseUrl]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^opentill: the screen of tmr_doesnotexist was refused: HTTP 404: /);
  });
});
