/**
 * `opentill listen` and `opentill trigger` end to end: the real binary for all three (serve, listen,
 * trigger), a real receiver, and constructEvent with the CLI secret `listen` prints.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import { opentillMain, startServer, type RunningServer } from '@opentill/testkit';
import { startReceiver, type Receiver } from './webhook-receiver.js';

interface Listener {
  child: ChildProcess;
  output(): string;
  secret: string;
  stop(): Promise<void>;
}

async function startListen(server: RunningServer, forwardTo: string, extra: string[] = []): Promise<Listener> {
  const child = spawn(
    process.execPath,
    [
      opentillMain,
      'listen',
      '--forward-to',
      forwardTo,
      '--api-key',
      server.secretKey,
      '--api-base',
      server.baseUrl,
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const secret = await new Promise<string>((resolve, reject) => {
    // A bound against a hang, not a timing check: a start on a busy machine took over 10 s. On
    // failure the child is killed, or it would hold the test file open until its own timeout.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`listen did not get ready:\n${output}`));
    }, 60_000);
    const check = () => {
      const match = /Ready! Your webhook signing secret is (whsec_\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`listen exited (${code}):\n${output}`));
    });
  });
  return {
    child,
    secret,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGINT');
      }),
  };
}

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [opentillMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** Checks every 50 ms, at most 200 times (10 s). */
async function waitFor(check: () => boolean, what: string, attemptsMax = 200): Promise<void> {
  for (let attempt = 0; !check(); attempt += 1) {
    if (attempt >= attemptsMax) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('opentill listen and trigger', () => {
  let server: RunningServer;
  let receiver: Receiver;
  const trigger = (event: string) =>
    run(['trigger', event, '--api-key', server.secretKey, '--api-base', server.baseUrl]);

  before(async () => {
    server = await startServer({ store: 'sqlite', name: 'webhooks cli' });
    receiver = await startReceiver();
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
  });

  it('trigger --list names the flows, Terminal reader actions included', async () => {
    const { code, output } = await run(['trigger', '--list']);
    assert.equal(code, 0, output);
    for (const event of [
      'payment_intent.succeeded',
      'charge.captured',
      'refund.created',
      'terminal.reader.action_succeeded',
      'terminal.reader.action_failed',
      'terminal.reader.action_updated',
    ]) {
      assert.match(output, new RegExp(`^  ${event.replace(/\./g, '\\.')}$`, 'm'));
    }
    const unknown = await run(['trigger', 'invoice.paid', '--api-key', server.secretKey, '--api-base', server.baseUrl]);
    assert.equal(unknown.code, 2, 'a usage error');
    assert.match(unknown.output, /cannot trigger 'invoice\.paid'/);
  });

  it('trigger runs the customer and saved-card flows (customer.*, payment_method.attached/detached)', async () => {
    for (const event of [
      'customer.created',
      'customer.updated',
      'customer.deleted',
      'payment_method.attached',
      'payment_method.detached',
    ]) {
      const { code, output } = await trigger(event);
      assert.equal(code, 0, output);
      assert.match(
        output,
        new RegExp(`Trigger succeeded! ${event.replace(/\./g, '\\.')} evt_\\w+ \\(via (cus|pm)_\\w+\\)`),
      );
    }
  });

  it('listen forwards each event signed with a stable CLI secret, one line per event with the receiver status', async () => {
    const listener = await startListen(server, receiver.url);
    try {
      const { code, output } = await trigger('payment_intent.succeeded');
      assert.equal(code, 0, output);
      assert.match(output, /Trigger succeeded! payment_intent\.succeeded evt_/);
      await receiver.waitFor(
        (all) => all.some((r) => r.event.type === 'payment_intent.succeeded'),
        10_000,
        'payment_intent.succeeded',
      );
      for (const received of receiver.received) {
        const event = Stripe.webhooks.constructEvent(
          received.body,
          String(received.headers['stripe-signature']),
          listener.secret,
        );
        assert.equal(event.object, 'event');
      }
      assert.deepEqual(receiver.received.map((r) => r.event.type).sort(), [
        'charge.succeeded',
        'payment_intent.created',
        'payment_intent.succeeded',
      ]);
      await waitFor(
        () => /--> payment_intent\.succeeded \[evt_\w+\]\s+<-- \[200\]/.test(listener.output()),
        'the listen line',
      );
      assert.equal(
        listener
          .output()
          .split('\n')
          .filter((line) => line.includes('-->')).length,
        3,
      );
    } finally {
      await listener.stop();
    }
    // The secret is stable per account.
    const again = await startListen(server, receiver.url);
    assert.equal(again.secret, listener.secret);
    await again.stop();
  });

  it('listen --events filters; Terminal reader actions can be triggered; a failing receiver is shown', async () => {
    receiver.received.length = 0;
    const listener = await startListen(server, receiver.url, [
      '--events',
      'terminal.reader.action_succeeded,terminal.reader.action_failed,terminal.reader.action_updated',
    ]);
    const failing = await startReceiver(() => 500);
    const failingListener = await startListen(server, failing.url, ['--events', 'refund.created']);
    try {
      for (const event of [
        'terminal.reader.action_succeeded',
        'terminal.reader.action_failed',
        'terminal.reader.action_updated',
      ]) {
        const { code, output } = await trigger(event);
        assert.equal(code, 0, output);
      }
      await receiver.waitFor((all) => all.length >= 3, 10_000, 'three reader actions');
      // Marker: one more wanted event, triggered last. The stream is in commit order and listen
      // forwards one event at a time in that order, so once the marker is in, any event of the
      // triggers above that the filter let through would be in too.
      assert.equal((await trigger('terminal.reader.action_updated')).code, 0);
      await receiver.waitFor((all) => all.length >= 4, 10_000, 'the marker');
      assert.equal(receiver.received.at(-1)!.event.type, 'terminal.reader.action_updated');
      assert.deepEqual(receiver.received.map((r) => r.event.type).sort(), [
        'terminal.reader.action_failed',
        'terminal.reader.action_succeeded',
        'terminal.reader.action_updated',
        'terminal.reader.action_updated',
      ]);
      for (const received of receiver.received) {
        const event = Stripe.webhooks.constructEvent(
          received.body,
          String(received.headers['stripe-signature']),
          listener.secret,
        );
        assert.equal((event.data.object as { object: string }).object, 'terminal.reader');
      }
      assert.equal((await trigger('refund.created')).code, 0);
      await waitFor(
        () => /--> refund\.created \[evt_\w+\]\s+<-- \[500\]/.test(failingListener.output()),
        'the failed forward',
      );
    } finally {
      await listener.stop();
      await failingListener.stop();
      await failing.close();
    }
  });

  it('listen refuses a bad key or filter clearly', async () => {
    const badKey = await run([
      'listen',
      '--forward-to',
      receiver.url,
      '--api-key',
      'sk_test_nope',
      '--api-base',
      server.baseUrl,
    ]);
    assert.equal(badKey.code, 1);
    assert.match(badKey.output, /refused the event stream \(HTTP 401\): Invalid API Key/);
    const badFilter = await run([
      'listen',
      '--forward-to',
      receiver.url,
      '--api-key',
      server.secretKey,
      '--api-base',
      server.baseUrl,
      '--events',
      'nope.nope',
    ]);
    assert.equal(badFilter.code, 1);
    assert.match(badFilter.output, /refused the event stream \(HTTP 400\): Invalid events/);
  });
});
