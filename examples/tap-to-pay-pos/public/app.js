/* global document, window, localStorage, navigator, crypto, URLSearchParams */
// A phone POS with Tap to Pay: the phone is the reader — or, picked in the header, a simulated
// Bluetooth reader beside it, or a smart reader on the network (the mobile SDK drives all three). The flow follows Stripe's mobile SDK docs
// (React Native shape): initialize → discoverReaders(tapToPay) → connectReader(locationId), then per
// sale createPaymentIntent → processPaymentIntent (the SDK's tap screen and PIN pad) → capture on
// the backend.
import { createMobileTerminal, DomTapToPayUi } from '@opentill/terminal-sdk/mobile';
import { zeroDecimalCurrencies } from '@opentill/core';

const $ = (id) => document.getElementById(id);
const log = (line) => {
  $('log').textContent = `${new Date().toISOString().slice(11, 19)} ${line}\n${$('log').textContent}`;
};
const params = new URLSearchParams(window.location.search);
const config = await (await fetch('/config')).json();

/** A fixed, supported Android phone. It installs monthly security updates: its patch level is last month's. */
function phoneFacts() {
  const now = new Date();
  const patch = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 5)).toISOString().slice(0, 10);
  return {
    platform: 'android',
    osVersion: '15',
    isBeta: false,
    model: 'Pixel 8',
    hasNfc: true,
    nfcEnabled: true,
    cpuArch: 'arm64-v8a',
    rooted: false,
    bootloaderUnlocked: false,
    modifiedOs: false,
    isEmulator: false,
    gmsCertified: true,
    hardwareKeystoreVersion: 300,
    securityPatch: patch,
    developerOptions: false,
    accessibilityServices: false,
    screenRecording: false,
    overlays: false,
    internet: navigator.onLine !== false,
    debuggable: false,
    sdkVersion: '5.0.0',
  };
}

/** Stable per app install: the server finds the same reader again on every connection. */
function installationId() {
  let id = localStorage.getItem('opentill-ttp-installation');
  if (!id) {
    id = `pos-${crypto.randomUUID()}`;
    localStorage.setItem('opentill-ttp-installation', id);
  }
  return id;
}

async function tokenProvider() {
  // Your backend calls /v1/terminal/connection_tokens (scoped to the Location) and returns the secret.
  const response = await fetch('/connection_token', { method: 'POST' });
  if (!response.ok) throw new Error(`connection token: HTTP ${response.status}`);
  return (await response.json()).secret;
}

// ---- The SDK ---------------------------------------------------------------------------------
const ui = new DomTapToPayUi(document.body, { outcomeMs: Number(params.get('outcomeMs') ?? 600) });
let discovered = [];
const terminal = createMobileTerminal({
  apiBase: config.opentillUrl,
  tokenProvider,
  device: phoneFacts(),
  installationId: installationId(),
  ui,
  // Automatic reconnection after the reader is lost (SDK defaults: 10 attempts, 2 s apart); the
  // URL can shorten it, as the end-to-end test does.
  reconnect: {
    attempts: Number(params.get('reconnectAttempts') ?? 10),
    intervalMs: Number(params.get('reconnectIntervalMs') ?? 2000),
  },
  // Offline payments (docs/offline.md): stored in IndexedDB, forwarded when the network returns; the
  // SDK probes the server every probeMs while offline.
  offline: { probeIntervalMs: Number(params.get('probeMs') ?? 5000) },
  callbacks: {
    onUpdateDiscoveredReaders: (readers) => {
      discovered = readers;
    },
    onDidChangeConnectionStatus: (status) => showConnection(status),
    onDidChangePaymentStatus: (status) => log(`payment status: ${status}`),
    onDidDisconnect: (reason) => {
      log(`disconnected (${reason ?? 'unknown'})`);
      showConnection('notConnected');
      // An unexpected loss: reconnect when the app is in front; otherwise visibilitychange does it on return.
      if (reason !== 'disconnectRequested' && document.visibilityState === 'visible') void connect();
    },
    onDidStartReaderReconnect: (_reader, reason) => log(`reconnecting (${reason ?? 'unknown'})…`),
    onDidSucceedReaderReconnect: () => log('reconnected'),
    onDidFailReaderReconnect: () => log('automatic reconnection failed'),
    onDidUpdateBatteryLevel: ({ batteryLevel, batteryStatus }) =>
      log(`reader battery ${Math.round(batteryLevel * 100)}% (${batteryStatus})`),
    onDidReportAvailableUpdate: (update) => log(`reader update available: ${update.deviceSoftwareVersion}`),
    onDidReportReaderEvent: (event) => log(`reader: ${event}`),
    onDidChangeOfflineStatus: (status) => showOffline(status),
    onDidForwardPaymentIntent: (paymentIntent, error) => void forwarded(paymentIntent, error),
    onDidForwardingFailure: (error) => log(`forwarding failed: ${error?.code ?? 'unknown'} ${error?.message ?? ''}`),
  },
});

// ---- Offline: the network status, what is stored on the phone, what was forwarded -------------
function showOffline(status) {
  const sdk = status.sdk;
  const panel = $('offline');
  panel.dataset.network = sdk.networkStatus;
  panel.dataset.stored = String(sdk.offlinePaymentsCount);
  $('offline-network').textContent =
    sdk.networkStatus === 'offline' ? 'Offline: payments are stored on this phone' : `Network ${sdk.networkStatus}`;
  const amounts = Object.entries(sdk.offlinePaymentAmountsByCurrency)
    .map(([currency, value]) => money(value, currency))
    .join(', ');
  $('offline-stored').textContent =
    sdk.offlinePaymentsCount === 0
      ? 'No stored payments'
      : `${sdk.offlinePaymentsCount} stored payment${sdk.offlinePaymentsCount === 1 ? '' : 's'} (${amounts}) waiting to be forwarded`;
}

/** A stored payment reached the server: capture it (manual capture, as after any payment), list it. */
async function forwarded(paymentIntent, error) {
  const item = document.createElement('li');
  item.dataset.offlineId = paymentIntent.sdkUuid;
  if (error) {
    item.dataset.status = 'failed';
    item.textContent = `${money(paymentIntent.amount, paymentIntent.currency)} forwarded: ${error.code}`;
  } else {
    const response = await fetch('/capture_payment_intent', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payment_intent_id: paymentIntent.id }),
    });
    const captured = await response.json();
    item.dataset.status = response.ok ? captured.status : 'capture_failed';
    item.dataset.paymentIntent = paymentIntent.id;
    item.textContent = `${money(paymentIntent.amount, paymentIntent.currency)} forwarded as ${paymentIntent.id}: ${item.dataset.status}`;
  }
  $('forwarded').append(item);
  log(`forwarded ${paymentIntent.sdkUuid}: ${item.dataset.status}`);
}

// ---- Reader picker ---------------------------------------------------------------------------
$('reader-kind').value = ['tapToPay', 'bluetoothScan', 'internet'].includes(params.get('reader'))
  ? params.get('reader')
  : 'tapToPay';
const readerKind = () => $('reader-kind').value;

/** What discoverReaders and connectReader take for the picked kind (React Native's parameters). */
function readerParams(kind) {
  if (kind === 'bluetoothScan') {
    return {
      discovery: { discoveryMethod: 'bluetoothScan', simulated: true },
      connect: (reader) => ({
        discoveryMethod: 'bluetoothScan',
        reader,
        locationId: config.locationId,
        autoReconnectOnUnexpectedDisconnect: true,
      }),
    };
  }
  if (kind === 'internet') {
    return {
      discovery: { discoveryMethod: 'internet', simulated: true, locationId: config.locationId },
      connect: (reader) => ({ discoveryMethod: 'internet', reader }),
    };
  }
  return {
    discovery: { discoveryMethod: 'tapToPay', simulated: true },
    connect: (reader) => ({
      discoveryMethod: 'tapToPay',
      reader,
      locationId: config.locationId,
      merchantDisplayName: config.merchantDisplayName,
      autoReconnectOnUnexpectedDisconnect: true,
    }),
  };
}

$('reader-kind').addEventListener('change', async () => {
  if (connecting) await connecting;
  if (terminal.getConnectedReader()) await terminal.disconnectReader();
  void connect();
});

// ---- Connection: in the background at start, again when the app comes back ------------------
let connecting = null;
let initialized = false;

function showConnection(status) {
  $('connection').textContent = status;
  $('connection').dataset.status = status;
  $('connection').dataset.readerId = status === 'connected' ? (terminal.getConnectedReader()?.id ?? '') : '';
  $('connection-dot').dataset.status = status;
  updateCharge();
}

/** initialize → discoverReaders → connectReader; one attempt at a time. */
function connect() {
  connecting ??= (async () => {
    try {
      if (!initialized) {
        const init = await terminal.initialize();
        if (init.error) throw init.error;
        initialized = true;
        showOffline(await terminal.getOfflineStatus());
        await applyUx(loadUx());
      }
      if ((await terminal.getConnectionStatus()) === 'connected') return;
      showConnection('discovering');
      const kind = readerKind();
      const { discovery, connect: connectParams } = readerParams(kind);
      discovered = [];
      const found = await terminal.discoverReaders(discovery);
      if (found.error) throw found.error;
      const reader = discovered[0] ?? terminal.discoveredReaders?.[0];
      if (!reader)
        throw new Error(
          kind === 'tapToPay' ? 'This phone was not found as a Tap to Pay reader.' : `No ${kind} reader was found.`,
        );
      showConnection('connecting');
      const result = await terminal.connectReader(connectParams(reader));
      if (result.error) throw result.error;
      log(`connected: ${result.reader.deviceType} ${result.reader.id} at ${config.locationId}`);
      $('reader-info').textContent = [
        result.reader.deviceType,
        result.reader.serialNumber,
        result.reader.deviceSoftwareVersion,
        typeof result.reader.batteryLevel === 'number'
          ? `battery ${Math.round(result.reader.batteryLevel * 100)}%`
          : null,
      ]
        .filter(Boolean)
        .join(' · ');
      $('reader-info').dataset.deviceType = result.reader.deviceType;
      showConnection('connected');
    } catch (error) {
      log(`connection failed: ${error.code ?? ''} ${error.message}`);
      showConnection('notConnected');
      $('connection').textContent = `notConnected: ${error.code ?? error.message}`;
    } finally {
      connecting = null;
    }
  })();
  return connecting;
}

document.addEventListener('visibilitychange', async () => {
  if (document.visibilityState !== 'visible' || !initialized) return;
  if ((await terminal.getConnectionStatus()) === 'notConnected') void connect();
});

// ---- Amount keypad ---------------------------------------------------------------------------
const zeroDecimal = zeroDecimalCurrencies.has(config.currency);
let digits = '';
const amount = () => Number(digits || '0');
const money = (minor, currency = config.currency) =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase() }).format(
    zeroDecimal ? minor : minor / 100,
  );

function renderAmount() {
  const value = amount();
  $('amount-display').textContent = zeroDecimal ? String(value) : (value / 100).toFixed(2);
  $('amount-display').dataset.amount = String(value);
  const limit = config.contactlessLimit;
  $('limit-hint').textContent =
    limit === null
      ? ''
      : value > limit
        ? `Above the ${money(limit)} contactless limit: the customer enters a PIN (cards; wallets excepted)`
        : `PIN above ${money(limit)}`;
  updateCharge();
}

$('keypad').addEventListener('click', (event) => {
  const key = event.target.closest('button')?.dataset.key;
  if (!key) return;
  if (key === 'back') digits = digits.slice(0, -1);
  else if (digits.length < 8) digits = `${digits}${key}`.replace(/^0+/, '');
  renderAmount();
});

// ---- A sale ----------------------------------------------------------------------------------
let busy = false;
let intent = null; // kept after a decline: the next attempt reuses it, as Stripe recommends

function updateCharge() {
  $('charge').disabled = busy || amount() <= 0 || $('connection').dataset.status !== 'connected';
  $('charge').textContent = amount() > 0 ? `Charge ${money(amount())}` : 'Charge';
}

async function charge() {
  if (busy) return;
  busy = true;
  updateCharge();
  try {
    if (!intent || intent.amount !== amount() || intent.status !== 'requiresPaymentMethod') {
      const created = await terminal.createPaymentIntent({
        amount: amount(),
        currency: config.currency,
        paymentMethodTypes: ['cardPresent'],
        captureMethod: 'manual',
      });
      if (created.error) return showError(created.error);
      intent = created.paymentIntent;
    }
    log(`processing ${intent.id}`);
    const processed = await terminal.processPaymentIntent({ paymentIntent: intent });
    if (processed.error) {
      if (processed.error.paymentIntent) intent = processed.error.paymentIntent;
      return showError(processed.error);
    }
    if (processed.paymentIntent.offlineDetails) {
      // Taken offline: stored on the phone, captured once forwarded (onDidForwardPaymentIntent).
      const stored = processed.paymentIntent;
      intent = null;
      const card = stored.offlineDetails.cardPresentDetails;
      return showResult(
        'stored',
        'Payment stored offline',
        `${money(stored.amount, stored.currency)} will be forwarded when the network returns`,
        null,
        [
          ['Amount', money(stored.amount, stored.currency), 'amount'],
          ['Status', stored.status, 'status'],
          ['Card', `•••• ${card?.last4 ?? '????'}`, 'card'],
          ['Offline id', stored.sdkUuid, 'offline_id'],
        ],
      );
    }
    const response = await fetch('/capture_payment_intent', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payment_intent_id: processed.paymentIntent.id }),
    });
    const captured = await response.json();
    if (!response.ok)
      return showError({ code: 'capture_failed', message: captured.error?.message ?? 'Capture failed' });
    intent = null;
    showResult('succeeded', 'Payment succeeded', money(captured.amount, captured.currency), captured, [
      ['Amount', money(captured.amount, captured.currency), 'amount'],
      ['Status', captured.status, 'status'],
      ['Card', `${captured.brand ?? '?'} •••• ${captured.last4 ?? '????'}`, 'card'],
      ['Wallet', captured.wallet ?? 'none', 'wallet'],
      ['Verification', captured.cvm ?? 'none', 'cvm'],
      ['PaymentIntent', captured.id, 'id'],
    ]);
  } finally {
    busy = false;
    updateCharge();
  }
}

function showError(error) {
  log(`error ${error.code}: ${error.message}`);
  const decline = error.apiError?.declineCode || error.metadata?.decline_code || null;
  const declined = Boolean(decline) || error.code === 'DECLINED_BY_STRIPE_API' || error.code === 'CARD_NOT_SUPPORTED';
  const status = error.code === 'CANCELED' ? 'canceled' : declined ? 'declined' : 'error';
  const title = status === 'canceled' ? 'Payment canceled' : declined ? 'Payment declined' : 'Payment failed';
  const hint =
    error.code === 'TAP_TO_PAY_INSECURE_ENVIRONMENT'
      ? ' Fix the phone environment and try again.'
      : declined
        ? ' Ask for another card, or try again.'
        : '';
  showResult(status, title, `${error.message}${hint}`, null, [
    ['Code', error.code, 'code'],
    ...(decline ? [['Decline code', decline, 'decline_code']] : []),
    ...(intent ? [['PaymentIntent', intent.id, 'id']] : []),
  ]);
}

function showResult(status, title, message, captured, rows) {
  $('sale').hidden = true;
  const result = $('result');
  result.hidden = false;
  result.dataset.status = status;
  result.dataset.paymentIntent = captured?.id ?? intent?.id ?? '';
  $('result-icon').textContent =
    status === 'succeeded' || status === 'stored' ? '✓' : status === 'canceled' ? '×' : '!';
  $('result-title').textContent = title;
  $('result-message').textContent = message;
  const list = $('result-details');
  list.textContent = '';
  for (const [label, value, field] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = String(value);
    dd.dataset.field = field;
    list.append(dt, dd);
  }
  $('retry').hidden = status === 'succeeded' || status === 'stored';
}

async function newSale() {
  // An unpaid PaymentIntent left from a failed attempt is canceled rather than left open.
  if (intent && intent.status !== 'succeeded' && intent.status !== 'canceled') {
    const canceled = await terminal.cancelPaymentIntent({ paymentIntent: intent });
    if (canceled.error) log(`cancel ${intent.id}: ${canceled.error.message}`);
  }
  intent = null;
  digits = '';
  $('result').hidden = true;
  $('result').dataset.status = 'idle';
  $('sale').hidden = false;
  renderAmount();
}

$('charge').addEventListener('click', () => void charge());
$('retry').addEventListener('click', () => {
  $('result').hidden = true;
  $('sale').hidden = false;
  void charge();
});
$('new-sale').addEventListener('click', () => void newSale());

// ---- Tap to Pay screen settings (setTapToPayUxConfiguration) -----------------------------------
const uxKey = 'opentill-ttp-ux';
function loadUx() {
  try {
    return JSON.parse(localStorage.getItem(uxKey) ?? 'null');
  } catch {
    return null;
  }
}

async function applyUx(ux) {
  if (!ux) return null;
  const { error } = await terminal.setTapToPayUxConfiguration(ux);
  if (error) log(`UX configuration refused: ${error.message}`);
  return error ?? null;
}

function uxFromForm() {
  const indicator = $('ux-indicator').value;
  const bias = Number($('ux-bias').value);
  const tapZone =
    indicator === 'default'
      ? { indicator }
      : indicator === 'front' || indicator === 'behind'
        ? { indicator, xBias: Number($('ux-x').value), yBias: Number($('ux-y').value) }
        : { indicator, bias };
  const color = (name) => ($(`ux-${name}-on`).checked ? $(`ux-${name}`).value.toUpperCase() : null);
  return {
    tapZone,
    colors: { primary: color('primary'), success: color('success'), error: color('error') },
    darkMode: $('ux-dark-mode').value,
  };
}

function formFromUx(ux) {
  if (!ux) return;
  $('ux-indicator').value = ux.tapZone?.indicator ?? 'default';
  if (typeof ux.tapZone?.bias === 'number') $('ux-bias').value = String(ux.tapZone.bias);
  if (typeof ux.tapZone?.xBias === 'number') $('ux-x').value = String(ux.tapZone.xBias);
  if (typeof ux.tapZone?.yBias === 'number') $('ux-y').value = String(ux.tapZone.yBias);
  for (const name of ['primary', 'success', 'error']) {
    const value = ux.colors?.[name];
    $(`ux-${name}-on`).checked = Boolean(value);
    if (value) $(`ux-${name}`).value = value.length === 9 ? `#${value.slice(3)}`.toLowerCase() : value.toLowerCase();
  }
  $('ux-dark-mode').value = ux.darkMode ?? 'light';
}

function showBiasRows() {
  const indicator = $('ux-indicator').value;
  $('ux-bias-row').hidden = !['above', 'below', 'left', 'right'].includes(indicator);
  $('ux-x-row').hidden = $('ux-y-row').hidden = !['front', 'behind'].includes(indicator);
}

$('ux-indicator').addEventListener('change', showBiasRows);
$('open-settings').addEventListener('click', () => {
  formFromUx(loadUx());
  showBiasRows();
  $('settings-error').textContent = '';
  $('settings').showModal();
});
$('settings-cancel').addEventListener('click', () => $('settings').close());
$('settings-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const ux = uxFromForm();
  if (!initialized) {
    $('settings-error').textContent = 'The SDK is not initialized yet.';
    return;
  }
  const error = await applyUx(ux);
  if (error) {
    $('settings-error').textContent = error.message;
    return;
  }
  localStorage.setItem(uxKey, JSON.stringify(ux));
  log(`tap screen: ${JSON.stringify(ux)}`);
  $('settings').close();
});

// ---- Start -----------------------------------------------------------------------------------
$('merchant').textContent = config.merchantDisplayName;
$('currency').textContent = config.currency.toUpperCase();
renderAmount();
document.body.dataset.ready = 'true';
void connect();
