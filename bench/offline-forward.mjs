// `node bench/offline-forward.mjs`: forwarding stored offline payments (issue 15, docs/offline.md).
// It reports, it never asserts.
//
// Against `opentill serve` on SQLite (fresh data dir), one simulated Android phone driven by the
// mobile SDK in this process (the scripted UI taps a card as soon as the tap screen shows), at a
// Location whose Configuration enables offline mode:
//   1. baseline (same run, same server, same phone): N online payments through the SDK, one after
//      the other (createPaymentIntent + processPaymentIntent): wall time and server CPU per payment;
//   2. N payments taken offline (`setSimulatedOfflineMode(true)`), stored in files on disk;
//   3. the network "returns" (`setSimulatedOfflineMode(false)`): time until every stored payment was
//      forwarded (`onDidForwardPaymentIntent` N times) and server CPU per forwarded payment.
// Options: --payments N (1000).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { repoRoot, startOpenTill } from './opentill-process.mjs';
import { androidPhone } from './phones.mjs';

const { createMobileTerminal, ScriptedTapToPayUi, FileOfflineStorage } = await import(
  join(repoRoot, 'packages/terminal-sdk/dist/mobile/index.js')
);
const { values: flags } = parseArgs({ options: { payments: { type: 'string' } } });
const count = Number(flags.payments ?? 1000);
const secretKey = `sk_test_benchoff${process.pid}x${Date.now()}`;
const server = await startOpenTill({ secretKey, name: 'offline' });
const apiBase = `http://127.0.0.1:${server.port}`;
const storageDir = mkdtempSync(join(os.tmpdir(), 'opentill-bench-offline-'));

async function api(method, path, form = '') {
  const response = await fetch(`${apiBase}${path}`, {
    method,
    headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    ...(method === 'GET' ? {} : { body: form }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

const configuration = (await api('POST', '/v1/terminal/configurations', 'offline[enabled]=true')).id;
const location = (
  await api(
    'POST',
    '/v1/terminal/locations',
    `display_name=Bench&address[country]=FR&address[line1]=1&address[city]=Paris&configuration_overrides=${configuration}`,
  )
).id;

let forwarded = 0;
let forwardFailures = 0;
let onForward = () => undefined;
const ui = new ScriptedTapToPayUi();
const terminal = createMobileTerminal({
  apiBase,
  installationId: 'bench-offline',
  ui,
  device: androidPhone,

  tokenProvider: async () => (await api('POST', '/v1/terminal/connection_tokens', `location=${location}`)).secret,
  offline: { storage: new FileOfflineStorage(storageDir), probeIntervalMs: 100 },
  callbacks: {
    onDidForwardPaymentIntent: (_pi, error) => {
      forwarded += 1;
      if (error) forwardFailures += 1;
      onForward();
    },
  },
});
const must = (result, what) => {
  if (result.error) throw new Error(`${what}: ${result.error.code} ${result.error.message}`);
  return result;
};
must(await terminal.initialize(), 'initialize');
must(await terminal.discoverReaders({ discoveryMethod: 'tapToPay', simulated: true }), 'discover');
must(
  await terminal.connectReader({
    discoveryMethod: 'tapToPay',
    reader: terminal.discoveredReaders[0],
    locationId: location,
  }),
  'connect',
);

async function pay(offlineBehavior) {
  const created = must(await terminal.createPaymentIntent({ amount: 500, currency: 'eur', offlineBehavior }), 'create');
  ui.tapCard('4242424242424242');
  must(await terminal.processPaymentIntent({ paymentIntent: created.paymentIntent }), 'process');
}

for (let i = 0; i < 10; i += 1) await pay('prefer_online'); // warm-up

// 1. Baseline: online payments through the SDK.
let cpu = server.cpuMs();
let started = performance.now();
for (let i = 0; i < count; i += 1) await pay('require_online');
const onlineSeconds = (performance.now() - started) / 1000;
const onlineCpu = (server.cpuMs() - cpu) / count;

// 2. Offline payments, stored on disk.
must(await terminal.setSimulatedOfflineMode(true), 'offline');
started = performance.now();
for (let i = 0; i < count; i += 1) await pay('prefer_online');
const storeSeconds = (performance.now() - started) / 1000;
const stored = (await terminal.getOfflineStatus()).sdk.offlinePaymentsCount;

// 3. The network returns: drain.
const drained = new Promise((resolve) => {
  onForward = () => {
    if (forwarded >= count) resolve();
  };
});
cpu = server.cpuMs();
started = performance.now();
must(await terminal.setSimulatedOfflineMode(false), 'online');
await drained;
const drainSeconds = (performance.now() - started) / 1000;
const forwardCpu = (server.cpuMs() - cpu) / count;

const ms = (seconds) => ((seconds * 1000) / count).toFixed(2);
console.log(
  `\n| run (${count} payments, one phone, sequential) | total s | ms/payment | × baseline | server CPU ms/payment | × baseline |`,
);
console.log('|---|---|---|---|---|---|');
console.log(
  `| baseline: online payments through the SDK | ${onlineSeconds.toFixed(1)} | ${ms(onlineSeconds)} | 1.00 | ${onlineCpu.toFixed(2)} | 1.00 |`,
);
console.log(
  `| offline payments taken and stored (files) | ${storeSeconds.toFixed(1)} | ${ms(storeSeconds)} | ${(storeSeconds / onlineSeconds).toFixed(2)} | | |`,
);
console.log(
  `| forwarding the stored payments (drain) | ${drainSeconds.toFixed(1)} | ${ms(drainSeconds)} | ${(drainSeconds / onlineSeconds).toFixed(2)} | ` +
    `${forwardCpu.toFixed(2)} | ${(forwardCpu / onlineCpu).toFixed(2)} |`,
);
console.log(
  `\n${stored} stored before the network returned; ${forwarded} forwarded, ${forwardFailures} with an error. ` +
    `load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
);

terminal.dispose();
await terminal.disconnectReader().catch(() => undefined);
await server.stop();
rmSync(storageDir, { recursive: true, force: true });
process.exit(0);
