/**
 * The `opentill` command line as a user meets it, through the built binary: help and version, one-line
 * usage errors with exit code 2, saying which URL it tried when it cannot connect, busy ports refused
 * before anything is written, listen's backoff. (cli-server.test.ts: against a running server.)
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, startCli, type CliResult } from './cli-process.js';
import { reconnectDelayCapMs, reconnectDelayMs } from '../commands/listen.js';
import { opener } from '../commands/screen.js';
import { commands } from '../commands/index.js';
import { UsageError, parseCommandArgs } from '../cli/command.js';
import { raw } from './helpers.js';

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
    for (const args of [['--help'], []]) {
      const result = await runCli(args);
      assert.equal(result.code, 0);
      for (const name of commandNames) assert.match(result.stdout, new RegExp(`^  ${name}\\s+\\S`, 'm'));
    }
  });

  it('every command has its own --help with usage, options and examples', async () => {
    const runs: CliResult[] = [];
    for (const args of [...commandNames.map((name) => [name, '--help']), ['help', 'serve']])
      runs.push(await runCli(args));
    for (const [index, result] of runs.entries()) {
      const name = commandNames[index] ?? 'serve';
      {
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, new RegExp(`Usage:\\n  opentill ${name}`));
        assert.match(result.stdout, /\nOptions:\n/);
        assert.match(result.stdout, new RegExp(`\\nExamples:\\n  opentill ${name}`));
      }
    }
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version']) {
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
    const runs: CliResult[] = [];
    for (const name of commandNames) runs.push(await runCli([name, '--bogus-flag']));
    for (const [index, name] of commandNames.entries()) {
      assertUsageError(
        runs[index]!,
        new RegExp(`opentill ${name}: unknown flag --bogus-flag \\(see opentill ${name} --help\\)`),
      );
    }
    assertUsageError(
      await runCli(['listen', '--forward-too', 'x']),
      /unknown flag --forward-too; did you mean --forward-to\?/,
    );
  });

  it('bad values through the binary: one actionable line, exit 2, nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opentill-cli-bad-'));
    try {
      const dataDir = join(dir, 'data');
      const cases: Array<[string[], RegExp]> = [
        [
          ['serve', '--port', 'abc', '--data-dir', dataDir],
          /^opentill: --port: 'abc' is not a port number; use 0 to 65535/,
        ],
        [
          ['serve', '--webhook-poll', '5', '--data-dir', dataDir],
          /--webhook-poll: '5' is not a duration \(add a unit: 5s or 5ms\)/,
        ],
        [['trigger', 'payment_intent.succeded'], /did you mean payment_intent\.succeeded\?/],
      ];
      const runs: CliResult[] = [];
      for (const [args] of cases) runs.push(await runCli(args, { cwd: dir }));
      cases.forEach(([, pattern], index) => assertUsageError(runs[index]!, pattern));
      assert.equal(existsSync(dataDir), false, 'no data directory was created');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad values of every command: a usage error naming the flag and the fix (in process, the same code)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opentill-cli-bad-'));
    const dataDir = join(dir, 'data');
    const cases: Array<[string[], RegExp]> = [
      [['serve', '--port', '70000', '--data-dir', dataDir], /--port: '70000' is not a port number/],
      [['serve', '--port'], /--port needs a value/],
      [
        ['serve', '--api-key', 'pk_test_x', '--data-dir', dataDir],
        /must be a test secret key: 'sk_test_' followed by 16/,
      ],
      [['serve', '--seed', 'a b', '--data-dir', dataDir], /--seed: use up to 64 letters/],
      [
        ['serve', '--database', 'mysql://x', '--data-dir', dataDir],
        /--database: 'mysql:\/\/x' is not a postgres:\/\/ URL/,
      ],
      [['serve', '--log', 'yes'], /unexpected argument 'yes'/],
      [['listen', '--forward-timeout', '10'], /--forward-timeout: '10' is not a duration/],
      [['listen', '--forward-to', 'ftp://x/y'], /--forward-to: 'ftp:\/\/x\/y' must be http:\/\/ or https:\/\//],
      [['listen', '--format', 'xml'], /--format: 'xml' is not supported; use --format json/],
      [['listen', '--headers', 'nocolon'], /--headers: 'nocolon' is not "Name: value"/],
      [['listen', '--forward-too', 'x'], /unknown flag --forward-too; did you mean --forward-to\?/],
      [['trigger'], /name an event/],
      [['trigger', 'invoice.paid'], /cannot trigger 'invoice.paid'/],
      [
        ['trigger', 'payment_intent.created', '--override', 'amount=5'],
        /--override: 'amount=5' is not resource:param=value/,
      ],
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
    try {
      for (const [[name, ...args], pattern] of cases) {
        const command = commands.find((c) => c.name === name)!;
        await assert.rejects(
          async () => command.run(parseCommandArgs(command, args)),
          (error: Error) => {
            assert.ok(error instanceof UsageError, `${name} ${args.join(' ')}: ${error.message}`);
            assert.match(error.message, pattern);
            assert.doesNotMatch(error.message, /\n/, 'one line');
            return true;
          },
        );
      }
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
        assert.match(
          result.stderr,
          new RegExp(
            `cannot reach OpenTill at http://127\\.0\\.0\\.1:${port} \\(connection refused; address from ${source}\\)\\. ` +
              `Start it with 'opentill serve', or point to it with --api-base <url> or OPENTILL_API_BASE`,
          ),
        );
      }
      const noKey = await runCli(['reset', '--api-base', `http://127.0.0.1:${port}`], { cwd: dir });
      assert.equal(noKey.code, 1);
      assert.match(noKey.stderr, /no API key: pass --api-key sk_test_… \(or set OPENTILL_SECRET_KEY\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('listen backs off while the server is unreachable: 1s, 2s, 4s … capped at 30s', async () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 20].map(reconnectDelayMs),
      [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
    );
    assert.equal(reconnectDelayCapMs, 30_000);
    const port = await closedPort();
    const listener = startCli(['listen', '--api-key', 'sk_test_x', '--api-base', `http://127.0.0.1:${port}`]);
    try {
      await listener.waitFor(
        new RegExp(
          `cannot reach OpenTill at http://127\\.0\\.0\\.1:${port} \\(connection refused; address from --api-base\\)`,
        ),
      );
      await listener.waitFor(/retrying in 1s/);
      await listener.waitFor(/retrying in 2s/);
    } finally {
      assert.equal(await listener.stop(), 0, 'SIGINT ends it cleanly');
    }
    assert.doesNotMatch(listener.output(), /\n\s+at /);
  });

  it('boolean flags take --no-: serve --no-webhook-allow-private refuses a loopback webhook URL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opentill-cli-no-'));
    const server = startCli([
      'serve',
      '--port',
      '0',
      '--data-dir',
      dir,
      '--api-key',
      'sk_test_noPrivateNoPrivate01',
      '--no-webhook-allow-private',
    ]);
    try {
      const [, port] = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      const refused = await raw({ baseUrl: `http://127.0.0.1:${port}` }, 'POST', '/v1/webhook_endpoints', {
        key: 'sk_test_noPrivateNoPrivate01',
        form: { url: 'http://127.0.0.1:9/hook', enabled_events: ['*'] },
      });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error.code, 'url_invalid');
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("screen --open uses the platform's opener", () => {
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
      assert.equal(
        result.stderr,
        `opentill: port ${port} on 127.0.0.1 is already in use; pick another with --port <n> (or env PORT), ` +
          `or stop what uses it (e.g. lsof -i :${port})\n`,
      );
      assert.equal(existsSync(dataDir), false, 'no data directory, database or key was created');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
