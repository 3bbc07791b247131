// `node bench/tap-to-pay.mjs`: the Tap to Pay benchmark of issue 6. It reports, it never asserts.
//
// Against `opentill serve` on SQLite (fresh data dir), with the mobile SDK
// (`@opentill/terminal-sdk/mobile`) driving simulated phones in this process (the scripted UI taps
// a card as soon as the tap screen shows):
//   1. baseline (same run, same server): PaymentIntent create + retrieve over HTTP, one after the
//      other — two plain API round trips;
//   2. tap-to-approve, one phone, payments one after the other: from the moment the card is tapped
//      (the tap screen resolves) to `processPaymentIntent` answering the approved PaymentIntent
//      (tap report, brand/CVM rules, card read, confirm, authorization, state long-poll);
//   3. 1,000 phones (`--phones`) connected to one server, then every phone pays at the same time
//      (`--rounds` times): payments/s, per-payment latency (createPaymentIntent + processPaymentIntent),
//      and tap-to-approve under that load; with the baseline measured at the same concurrency.
// Options: --payments N (200), --phones N (1000), --rounds N (2).
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { percentile, repoRoot, startOpenTill } from './opentill-process.mjs';
import { androidPhone } from './phones.mjs';

const { createMobileTerminal, ScriptedTapToPayUi } = await import(
  join(repoRoot, 'packages/terminal-sdk/dist/mobile/index.js')
);
const { values: flags } = parseArgs({
  options: { payments: { type: 'string' }, phones: { type: 'string' }, rounds: { type: 'string' } },
});
const sequentialPayments = Number(flags.payments ?? 200);
const phoneCount = Number(flags.phones ?? 1000);
const rounds = Number(flags.rounds ?? 2);
const secretKey = `sk_test_benchttp${process.pid}x${Date.now()}`;
// Node's fetch opens as many keep-alive sockets per origin as needed: 1,000 phones each keep a state
// long-poll open besides their calls.

const server = await startOpenTill({ secretKey, name: 'ttp' });
const { port } = server;
const apiBase = `http://127.0.0.1:${port}`;

async function api(method, path, form = '') {
  const started = performance.now();
  const response = await fetch(`${apiBase}${path}`, {
    method,
    headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    ...(method === 'GET' ? {} : { body: form }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
  return { body, ms: performance.now() - started };
}

const cpuMs = () => server.cpuMs();
const stats = (xs) => ({ n: xs.length, p50: percentile(xs, 0.5), p99: percentile(xs, 0.99) });
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');

/** The scripted customer, timing the tap: the card is presented the moment the tap screen shows. */
class TimedUi extends ScriptedTapToPayUi {
  tappedAt = 0;
  async presentTapScreen(request, signal) {
    const result = await super.presentTapScreen(request, signal);
    this.tappedAt = performance.now();
    return result;
  }
}

const location = (await api('POST', '/v1/terminal/locations', 'display_name=Bench&address[country]=FR')).body.id;

async function phone(index) {
  const ui = new TimedUi();
  const errors = [];
  const terminal = createMobileTerminal({
    apiBase,
    device: androidPhone,
    installationId: `bench-${index}`,
    ui,
    tokenProvider: async () =>
      (await api('POST', '/v1/terminal/connection_tokens', `location=${location}`)).body.secret,
    callbacks: { onDidDisconnect: (reason) => errors.push(`disconnect ${reason}`) },
  });
  const init = await terminal.initialize();
  if (init.error) throw new Error(`initialize: ${init.error.message}`);
  const discovered = await terminal.discoverReaders({ discoveryMethod: 'tapToPay', simulated: true });
  if (discovered.error) throw new Error(`discover: ${discovered.error.message}`);
  const connected = await terminal.connectReader({
    discoveryMethod: 'tapToPay',
    reader: terminal.discoveredReaders[0],
    locationId: location,
  });
  if (connected.error) throw new Error(`connect: ${connected.error.code} ${connected.error.message}`);
  return { terminal, ui, errors };
}

/** One payment under the CVM limit (no PIN): create, then collect + confirm. */
async function pay(p) {
  const started = performance.now();
  const created = await p.terminal.createPaymentIntent({ amount: 1200, currency: 'eur' });
  if (created.error) throw new Error(`create: ${created.error.message}`);
  const processed = await p.terminal.processPaymentIntent({ paymentIntent: created.paymentIntent });
  const ended = performance.now();
  if (processed.error) throw new Error(`process: ${processed.error.code} ${processed.error.message}`);
  return { total: ended - started, tapToApprove: ended - p.ui.tappedAt };
}

// 1. Baseline, sequential.
const baselineSeq = [];
for (let i = 0; i < sequentialPayments; i += 1) {
  const created = await api(
    'POST',
    '/v1/payment_intents',
    'amount=1000&currency=eur&payment_method_types[0]=card_present',
  );
  const retrieved = await api('GET', `/v1/payment_intents/${created.body.id}`);
  baselineSeq.push(created.ms + retrieved.ms);
}

// 2. Tap-to-approve, one phone.
const single = await phone('single');
for (let i = 0; i < 10; i += 1) await pay(single); // warm-up
const tapSeq = [];
const cpuSeqBefore = cpuMs();
for (let i = 0; i < sequentialPayments; i += 1) tapSeq.push((await pay(single)).tapToApprove);
const cpuSeqPerPayment = (cpuMs() - cpuSeqBefore) / sequentialPayments;
await single.terminal.disconnectReader();

// 3. 1,000 phones.
const connectStarted = performance.now();
const phones = [];
for (let i = 0; i < phoneCount; i += 50) {
  phones.push(...(await Promise.all(Array.from({ length: Math.min(50, phoneCount - i) }, (_, j) => phone(i + j)))));
}
const connectSeconds = (performance.now() - connectStarted) / 1000;
const rssKb = server.rssKb();

const baselineConcurrent = [];
const baselineStarted = performance.now();
await Promise.all(
  phones.map(async () => {
    const created = await api(
      'POST',
      '/v1/payment_intents',
      'amount=1000&currency=eur&payment_method_types[0]=card_present',
    );
    const retrieved = await api('GET', `/v1/payment_intents/${created.body.id}`);
    baselineConcurrent.push(created.ms + retrieved.ms);
  }),
);
const baselineConcurrentSeconds = (performance.now() - baselineStarted) / 1000;

const totals = [];
const taps = [];
let failures = 0;
const firstFailures = [];
const cpuBefore = cpuMs();
const started = performance.now();
for (let round = 0; round < rounds; round += 1) {
  await Promise.all(
    phones.map(async (p) => {
      try {
        const result = await pay(p);
        totals.push(result.total);
        taps.push(result.tapToApprove);
      } catch (error) {
        failures += 1;
        if (firstFailures.length < 3) firstFailures.push(error.message);
      }
    }),
  );
}
const seconds = (performance.now() - started) / 1000;
const cpuPerPayment = (cpuMs() - cpuBefore) / Math.max(1, totals.length);
const disconnects = phones.reduce((n, p) => n + p.errors.length, 0);
for (const p of phones) p.terminal.disconnectReader().catch(() => undefined);

const seqBase = stats(baselineSeq);
const seqTap = stats(tapSeq);
const conBase = stats(baselineConcurrent);
const conTap = stats(taps);
const conTotal = stats(totals);
console.log('\n| run | n | p50 ms | p99 ms | × baseline p50 | server CPU ms/payment |');
console.log('|---|---|---|---|---|---|');
console.log(
  `| baseline: PaymentIntent create + retrieve (sequential) | ${seqBase.n} | ${fmt(seqBase.p50)} | ${fmt(seqBase.p99)} | 1.00 | |`,
);
console.log(
  `| tap-to-approve, 1 phone (sequential) | ${seqTap.n} | ${fmt(seqTap.p50)} | ${fmt(seqTap.p99)} | ${(seqTap.p50 / seqBase.p50).toFixed(2)} | ${cpuSeqPerPayment.toFixed(2)} |`,
);
console.log(
  `| baseline: create + retrieve, ${phoneCount} at once | ${conBase.n} | ${fmt(conBase.p50)} | ${fmt(conBase.p99)} | 1.00 | |`,
);
console.log(
  `| tap-to-approve, ${phoneCount} phones at once | ${conTap.n} | ${fmt(conTap.p50)} | ${fmt(conTap.p99)} | ${(conTap.p50 / conBase.p50).toFixed(2)} | ${cpuPerPayment.toFixed(2)} |`,
);
console.log(
  `| payment (create + process), ${phoneCount} phones at once | ${conTotal.n} | ${fmt(conTotal.p50)} | ${fmt(conTotal.p99)} | ${(conTotal.p50 / conBase.p50).toFixed(2)} | |`,
);
console.log(
  `\n${phoneCount} phones connected in ${connectSeconds.toFixed(1)} s; server RSS ${(rssKb / 1024).toFixed(0)} MB with them connected.`,
);
console.log(
  `${phoneCount} phones × ${rounds} rounds: ${(totals.length / seconds).toFixed(0)} payments/s ` +
    `(baseline: ${(baselineConcurrent.length / baselineConcurrentSeconds).toFixed(0)} create+retrieve pairs/s at the same concurrency); ` +
    `${failures} failed${firstFailures.length ? ` (${firstFailures.join(' | ')})` : ''}, ${disconnects} unexpected disconnects.`,
);
console.log(
  `load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);

await new Promise((r) => setTimeout(r, 200));
await server.stop();
process.exit(0);
