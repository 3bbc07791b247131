// `node bench/gateway.mjs`: the reader-gateway benchmark of issue 5. It reports, it never asserts.
//
// In one run, each server in its own process, the devices in this one:
//   1. baseline: a bare `ws` echo server with the same number of connected clients: RSS per
//      connection, and echo round-trip p50/p99 at the same message rate;
//   2. `opentill serve` on SQLite: --devices readers are paired (pair socket → POST
//      /v1/terminal/readers → credentials) and connected over opentill-reader/1 with heartbeats;
//      RSS per connected reader (server RSS with everything connected minus before connecting);
//      then two paced runs at --rate actions per second for --duration seconds:
//      A. set_reader_display: API call → device (command, ack) → API answer — the gateway's own
//         round trip;
//      B. process_payment_intent on distinct readers, each device presenting a card the moment the
//         action arrives: API call → device → card read → authorization → `action_update:
//         succeeded` at the device (the engine's payment path included), plus the API latency.
//      Server and load-generator CPU per action are reported (2 shared cores: they compete).
// Options: --devices N (10000), --rate N (500), --duration S (10), --heartbeat-ms N (15000),
//          --concurrency N (64, pairing). BENCH_SERVER_NODE_ARGS passes node flags to the server
//          (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). Needs `ulimit -n` above --devices + a few hundred
//          (each process holds one socket per device).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { URLSearchParams } from 'node:url';
import WebSocket from 'ws';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(benchDir, '..');
const { values: flags } = parseArgs({
  options: {
    devices: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    'heartbeat-ms': { type: 'string' },
    concurrency: { type: 'string' },
    only: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (flags.help) {
  process.stdout.write(
    'node bench/gateway.mjs [--devices 10000] [--rate 500] [--duration 10] [--heartbeat-ms 15000] [--concurrency 64] [--only baseline,display,payments]\n',
  );
  process.exit(0);
}
const devices = Number(flags.devices ?? 10_000);
const rate = Number(flags.rate ?? 500);
const durationS = Number(flags.duration ?? 10);
const heartbeatMs = Number(flags['heartbeat-ms'] ?? 15_000);
const concurrency = Number(flags.concurrency ?? 64);
const target = { p99Ms: 20 };
const only = new Set((flags.only ?? 'baseline,display,payments').split(','));

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : NaN;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function startChild(args, env = {}) {
  // OPENTILL_LOG_LEVEL: stderr is the bench's terminal, not a log sink (see opentill-process.mjs).
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { OPENTILL_LOG_LEVEL: 'warn', ...process.env, ...env },
  });
  const port = new Promise((resolvePort, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(out);
      if (match) resolvePort(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`child exited ${code}: ${out}`)));
  });
  return { child, port };
}

async function pool(count, limit, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

// ------------------------------------------------------------------------------------------------
// 1. Baseline: bare ws echo
// ------------------------------------------------------------------------------------------------
const echoSource = `
import { WebSocketServer } from 'ws';
import http from 'node:http';
const server = http.createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
server.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));
`;
const echoDir = mkdtempSync(join(repoRoot, 'bench', '.echo-'));
writeFileSync(join(echoDir, 'echo.mjs'), echoSource);

async function connectMany(url, count, onOpen) {
  const sockets = new Array(count);
  await pool(count, concurrency * 4, async (i) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise((res, rej) => {
      ws.once('open', res);
      ws.once('error', rej);
    });
    sockets[i] = ws;
    if (onOpen) onOpen(ws, i);
  });
  return sockets;
}

async function paced(totalMs, perSecond, fire) {
  const latencies = [];
  const start = performance.now();
  const count = Math.floor((totalMs / 1000) * perSecond);
  const pending = [];
  for (let i = 0; i < count; i += 1) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(
      fire(i).then(
        (ms) => latencies.push(ms),
        (error) => {
          if (!latencies.some((x) => x === Infinity)) console.error(`first failure: ${error.message}`);
          latencies.push(Infinity);
        },
      ),
    );
  }
  await Promise.all(pending);
  return { latencies, achieved: count / ((performance.now() - start) / 1000) };
}

console.log(
  `gateway bench: ${devices} devices, ${rate} actions/s for ${durationS} s, heartbeats every ${heartbeatMs} ms`,
);
const results = {
  devices,
  rate,
  durationS,
  heartbeatMs,
  node: process.version,
  cpus: os.cpus().length,
  loadAverageAtStart: os.loadavg(),
};
console.log(
  `load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} on ${os.cpus().length} cores (other processes share them)`,
);
if (only.has('baseline')) {
  const { child, port } = startChild([join(echoDir, 'echo.mjs')]);
  const p = await port;
  await sleep(200);
  const before = rssMb(child.pid);
  const sockets = await connectMany(`ws://127.0.0.1:${p}/`, devices);
  await sleep(500);
  const after = rssMb(child.pid);
  let counter = 0;
  const waiting = new Map();
  for (const ws of sockets)
    ws.on('message', (data) => {
      const w = waiting.get(data.toString());
      if (w) {
        waiting.delete(data.toString());
        w();
      }
    });
  const run = await paced(durationS * 1000, rate, async (i) => {
    const ws = sockets[i % sockets.length];
    const id = `m${counter++}`;
    const t0 = performance.now();
    await new Promise((res) => {
      waiting.set(id, res);
      ws.send(id);
    });
    return performance.now() - t0;
  });
  results.baseline = {
    rssPerConnectionKb: round(((after - before) * 1024) / devices, 1),
    rssMb: round(after, 1),
    echoP50Ms: round(percentile(run.latencies, 0.5)),
    echoP99Ms: round(percentile(run.latencies, 0.99)),
    rate: round(run.achieved, 0),
  };
  console.log('baseline (bare ws echo):', results.baseline);
  for (const ws of sockets) ws.terminate();
  child.kill();
}
rmSync(echoDir, { recursive: true, force: true });

// ------------------------------------------------------------------------------------------------
// 2. OpenTill gateway
// ------------------------------------------------------------------------------------------------
const dataDir = mkdtempSync(join(os.tmpdir(), 'opentill-bench-gateway-'));
const secretKey = `sk_test_benchgateway${process.pid}x${Date.now()}`;
const serverNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const { child, port: portPromise } = startChild(
  [
    ...serverNodeArgs,
    join(repoRoot, 'apps/opentill/dist/main.js'),
    'serve',
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--secret-key',
    secretKey,
  ],
  { OPENTILL_READER_HEARTBEAT_MS: String(heartbeatMs) },
);
const port = await portPromise;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
function call(method, path, params = {}) {
  const body = new URLSearchParams(params).toString();
  return new Promise((resolveCall, reject) => {
    const started = performance.now();
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          authorization: `Bearer ${secretKey}`,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        let data = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          data += chunk;
        });
        response.on('end', () => {
          if (response.statusCode !== 200)
            reject(new Error(`${method} ${path}: ${response.statusCode} ${data.slice(0, 300)}`));
          else resolveCall({ body: JSON.parse(data), ms: performance.now() - started });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

try {
  const location = (await call('POST', '/v1/terminal/locations', { display_name: 'Bench', 'address[country]': 'US' }))
    .body;
  await sleep(300);
  const idleRss = rssMb(child.pid);
  // Pair every device.
  const pairStart = performance.now();
  const credentials = new Array(devices);
  await pool(devices, concurrency, async (i) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/opentill/v1/readers/pair`, { perMessageDeflate: false });
    const credential = new Promise((res, rej) => {
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString());
        if (frame.type === 'pairing') {
          call('POST', '/v1/terminal/readers', { registration_code: frame.code, location: location.id }).catch(rej);
        } else if (frame.type === 'paired') {
          res({ account: frame.account, readerId: frame.reader_id, secret: frame.reader_secret });
        } else if (frame.type === 'error') rej(new Error(frame.message));
      });
      ws.once('error', rej);
    });
    ws.once('open', () =>
      ws.send(JSON.stringify({ type: 'pair', seq: 1, protocol: 'opentill-reader/1', personality: 'wisepos_e' })),
    );
    credentials[i] = await credential;
  });
  const pairS = (performance.now() - pairStart) / 1000;
  console.log(`paired and registered ${devices} readers in ${round(pairS, 1)} s`);
  await sleep(1000);
  const beforeConnectRss = rssMb(child.pid);

  // Connect them all, with heartbeats; each device presents a card as soon as an action arrives.
  const waitingByReader = new Map(); // reader id → resolve(final status)
  const connectStart = performance.now();
  const conns = new Array(devices);
  await pool(devices, concurrency * 4, async (i) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/opentill/v1/readers/connect`, { perMessageDeflate: false });
    const device = { ws, seq: 0, onResult: null };
    const send = (frame) => ws.send(JSON.stringify({ ...frame, seq: ++device.seq }));
    await new Promise((res, rej) => {
      ws.once('open', () =>
        send({
          type: 'hello',
          protocol: 'opentill-reader/1',
          account: credentials[i].account,
          reader_id: credentials[i].readerId,
          secret: credentials[i].secret,
          action_id: null,
        }),
      );
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString());
        if (frame.type === 'welcome') {
          // Spread heartbeats over the interval.
          setTimeout(() => {
            send({ type: 'heartbeat' });
            device.timer = setInterval(() => send({ type: 'heartbeat' }), frame.heartbeat_interval_ms);
          }, Math.random() * frame.heartbeat_interval_ms);
          res();
        } else if (frame.type === 'command') {
          send({ type: 'ack', command_id: frame.command_id });
          const command = frame.command;
          if (command.type === 'action' && command.action.purpose === 'payment') {
            send({
              type: 'event',
              event: {
                type: 'card_read',
                action_id: command.action.id,
                number: '4242424242424242',
                read_method: 'contactless_emv',
                wallet: null,
                tip_amount: 0,
                pin: null,
              },
            });
          } else if (command.type === 'action_update' && command.status !== 'processing') {
            const done = waitingByReader.get(credentials[i].readerId);
            if (done) {
              waitingByReader.delete(credentials[i].readerId);
              done(command.status);
            }
          }
        } else if (frame.type === 'error') rej(new Error(`${frame.code}: ${frame.message}`));
      });
      ws.once('error', rej);
    });
    conns[i] = device;
  });
  const connectS = (performance.now() - connectStart) / 1000;
  await sleep(2000);
  const connectedRss = rssMb(child.pid);
  results.opentill = {
    idleRssMb: round(idleRss, 1),
    rssBeforeConnectMb: round(beforeConnectRss, 1),
    rssConnectedMb: round(connectedRss, 1),
    rssPerConnectedReaderKb: round(((connectedRss - beforeConnectRss) * 1024) / devices, 1),
    // Upper bound: everything since the idle server (registered reader documents, pairing leftovers…).
    rssPerReaderSinceIdleKb: round(((connectedRss - idleRss) * 1024) / devices, 1),
    pairingPerS: round(devices / pairS, 0),
    connectPerS: round(devices / connectS, 0),
  };
  console.log(
    `connected ${devices} devices in ${round(connectS, 1)} s; RSS ${round(beforeConnectRss, 1)} → ${round(connectedRss, 1)} MB`,
  );

  const cpuMs = () => {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, USER_HZ = 100
  };
  const clientCpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };

  // Idle: only heartbeats (and the periodic presence writes) for a few seconds.
  {
    const cpu0 = cpuMs();
    const t0 = performance.now();
    await sleep(5000);
    results.opentill.idleCpuPercentWithHeartbeats = round(((cpuMs() - cpu0) / (performance.now() - t0)) * 100, 1);
    console.log(
      `idle with ${devices} connected devices heartbeating: server CPU ${results.opentill.idleCpuPercentWithHeartbeats} % of one core`,
    );
  }

  // A. Display actions: API call → device (command, ack) → API answer. The gateway alone.
  if (only.has('display')) {
    const cart = {
      type: 'cart',
      'cart[currency]': 'usd',
      'cart[line_items][0][amount]': '500',
      'cart[line_items][0][description]': 'Coffee',
      'cart[line_items][0][quantity]': '1',
      'cart[total]': '500',
    };
    const cpu0 = cpuMs();
    const client0 = clientCpu();
    const run = await paced(durationS * 1000, rate, async (i) => {
      const reader = credentials[(i * 7919) % devices].readerId;
      const t0 = performance.now();
      await call('POST', `/v1/terminal/readers/${reader}/set_reader_display`, cart);
      return performance.now() - t0;
    });
    results.opentill.display = {
      achievedPerS: round(run.achieved, 0),
      failures: run.latencies.filter((x) => x === Infinity).length,
      roundTripP50Ms: round(percentile(run.latencies, 0.5)),
      roundTripP99Ms: round(percentile(run.latencies, 0.99)),
      serverCpuUsPerAction: round(((cpuMs() - cpu0) * 1000) / run.latencies.length, 0),
      clientCpuUsPerAction: round(((clientCpu() - client0) * 1000) / run.latencies.length, 0),
      targetP99Ms: target.p99Ms,
    };
    console.log('display actions (API → device → ack → API):', results.opentill.display);
  }

  // B. Payments: API call → device → card read → authorization → final action_update at the device.
  if (only.has('payments')) {
    const actionsTotal = Math.floor(rate * durationS);
    const intents = new Array(actionsTotal);
    await pool(actionsTotal, concurrency, async (i) => {
      intents[i] = (
        await call('POST', '/v1/payment_intents', {
          amount: '1000',
          currency: 'usd',
          'payment_method_types[]': 'card_present',
          capture_method: 'manual',
        })
      ).body.id;
    });
    console.log(`created ${actionsTotal} PaymentIntents; running ${rate} payment actions/s…`);
    const apiLatencies = [];
    let failures = 0;
    const cpu0 = cpuMs();
    const client0 = clientCpu();
    const run = await paced(durationS * 1000, rate, async (i) => {
      const reader = credentials[i % devices].readerId;
      const t0 = performance.now();
      // The device reports the final action_update; wait for it from before the call.
      const result = new Promise((res) => waitingByReader.set(reader, res));
      const { ms } = await call('POST', `/v1/terminal/readers/${reader}/process_payment_intent`, {
        payment_intent: intents[i],
      });
      apiLatencies.push(ms);
      const status = await result;
      if (status !== 'succeeded') failures += 1;
      return performance.now() - t0;
    });
    results.opentill.payments = {
      achievedPerS: round(run.achieved, 0),
      failures,
      roundTripP50Ms: round(percentile(run.latencies, 0.5)),
      roundTripP99Ms: round(percentile(run.latencies, 0.99)),
      apiP50Ms: round(percentile(apiLatencies, 0.5)),
      apiP99Ms: round(percentile(apiLatencies, 0.99)),
      serverCpuUsPerAction: round(((cpuMs() - cpu0) * 1000) / run.latencies.length, 0),
      clientCpuUsPerAction: round(((clientCpu() - client0) * 1000) / run.latencies.length, 0),
      targetP99Ms: target.p99Ms,
    };
    console.log(
      'payment actions (API → device → card → authorization → result at the device):',
      results.opentill.payments,
    );
  }
  results.opentill.rssAfterActionsMb = round(rssMb(child.pid), 1);
  results.loadAverageAtEnd = os.loadavg();
  console.log('opentill gateway:', JSON.stringify(results.opentill, null, 2));
  for (const device of conns) {
    clearInterval(device.timer);
    device.ws.terminate();
  }
} finally {
  child.kill();
  await sleep(300);
  rmSync(dataDir, { recursive: true, force: true });
}
mkdirSync(join(benchDir, 'results'), { recursive: true });
const file = join(benchDir, 'results', `gateway-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(results, null, 2));
console.log(`results: ${file}`);
process.exit(0);
