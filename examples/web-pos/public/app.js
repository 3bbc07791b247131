/* global document */
// The seed's JavaScript snippets (setup, connect, collect, process, capture) with the OpenTill SDK.
import { loadStripeTerminal } from '@opentill/terminal-sdk';

const $ = (id) => document.getElementById(id);
const log = (line) => {
  $('log').textContent = `${new Date().toISOString().slice(11, 19)} ${line}\n${$('log').textContent}`;
};
const show = (status, text, paymentIntentId = '') => {
  $('result').dataset.status = status;
  $('result').dataset.paymentIntent = paymentIntentId;
  $('result').textContent = text;
};

const config = await (await fetch('/config.json')).json();

async function fetchConnectionToken() {
  // Your backend should call /v1/terminal/connection_tokens and return the JSON response from Stripe
  const response = await fetch('/connection_token', { method: 'POST' });
  const data = await response.json();
  return data.secret;
}

function showDisconnected() {
  $('reader-label').textContent = '';
  delete $('reader-label').dataset.readerId;
  $('screen-link').hidden = true;
  $('screen-link').removeAttribute('href');
  $('pay').disabled = true;
  $('disconnect').disabled = true;
  $('connect').disabled = false;
}

function unexpectedDisconnect(event) {
  // You might want to display UI to notify the user and start re-discovering readers
  log(`reader disconnected: ${event.error?.message ?? 'unknown reason'}`);
  showDisconnected();
}

const StripeTerminal = await loadStripeTerminal();
const terminal = StripeTerminal.create({
  onFetchConnectionToken: fetchConnectionToken,
  onUnexpectedReaderDisconnect: unexpectedDisconnect,
  onConnectionStatusChange: (event) => {
    $('connection').textContent = event.status;
  },
  onPaymentStatusChange: (event) => {
    $('payment').textContent = event.status;
  },
  apiBase: config.opentillUrl, // OpenTill's URL: the one addition to Stripe's surface
});

async function connect() {
  $('connect').disabled = true;
  const discoverResult = await terminal.discoverReaders({ simulated: $('simulated').checked });
  if (discoverResult.error) {
    log(`Failed to discover: ${discoverResult.error.message}`);
    $('connect').disabled = false;
    return;
  }
  if (discoverResult.discoveredReaders.length === 0) {
    log('No available readers.');
    $('connect').disabled = false;
    return;
  }
  const selectedReader = discoverResult.discoveredReaders[0];
  const connectResult = await terminal.connectReader(selectedReader);
  if (connectResult.error) {
    log(`Failed to connect: ${connectResult.error.message}`);
    $('connect').disabled = false;
    return;
  }
  log(`Connected to reader: ${connectResult.reader.label}`);
  $('reader-label').textContent = connectResult.reader.label;
  $('reader-label').dataset.readerId = connectResult.reader.id;
  $('pay').disabled = false;
  $('disconnect').disabled = false;
  if (!$('simulated').checked) await linkReaderScreen(connectResult.reader.id);
}

// A real (not simulated) reader waits for a card: say where to present it — the reader's virtual
// screen, opened from a short-lived link the backend asks OpenTill for.
async function linkReaderScreen(readerId) {
  const screen = await post('/reader_screen', { reader_id: readerId });
  if (!screen.url) {
    log(`No reader screen: ${screen.error?.message ?? 'unknown error'}`);
    return;
  }
  $('screen-link').href = screen.url;
  $('screen-link').hidden = false;
}

async function disconnect() {
  $('disconnect').disabled = true;
  const result = await terminal.disconnectReader();
  if (result.error) {
    log(`Failed to disconnect: ${result.error.message}`);
    $('disconnect').disabled = false;
    return;
  }
  log('Disconnected');
  showDisconnected();
}

async function post(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.json();
}

// The same PaymentIntent is reused after a decline (avoiding double charges).
let current = null;

async function checkout() {
  $('pay').disabled = true;
  $('cancel').disabled = false;
  try {
    const amount = Number($('amount').value);
    if (!current || current.amount !== amount) {
      const created = await post('/create_payment_intent', { amount, currency: 'eur' });
      current = { amount, clientSecret: created.client_secret, id: created.id };
    }
    terminal.setSimulatorConfiguration({
      testPaymentMethod: $('test-card').value,
      tipAmount: Number($('tip').value) || null,
    });
    await terminal.setReaderDisplay({
      type: 'cart',
      cart: { line_items: [{ description: 'Order', amount, quantity: 1 }], tax: 0, total: amount, currency: 'eur' },
    });

    // clientSecret is the client_secret from the PaymentIntent you created in Step 1.
    const result = await terminal.collectPaymentMethod(current.clientSecret);
    if (result.error) {
      show('error', `Collect failed: ${result.error.message}`, current.id);
      return;
    }
    log(`Collected ${result.paymentIntent.sdk_payment_details.card_payment?.card_brand ?? ''} card`);
    let processed = await terminal.processPayment(result.paymentIntent);
    if (
      processed.error &&
      (processed.error.payment_intent?.status === 'requires_confirmation' || !processed.error.payment_intent) &&
      processed.error.code !== 'canceled'
    ) {
      // Transient problem or unknown outcome: process the same PaymentIntent again.
      log(`Retrying processPayment: ${processed.error.message}`);
      processed = await terminal.processPayment(result.paymentIntent);
    }
    if (processed.error) {
      // requires_payment_method: declined — collect again with the same PaymentIntent.
      show('declined', `Payment failed: ${processed.error.message}`, current.id);
      return;
    }
    // Notify your backend to capture result.paymentIntent.id
    const captured = await post('/capture_payment_intent', { payment_intent_id: processed.paymentIntent.id });
    show(
      captured.status ?? 'error',
      `PaymentIntent ${captured.id} ${captured.status} (${captured.amount_received} ${captured.currency})`,
      captured.id,
    );
    current = null;
  } catch (error) {
    show('error', `Payment failed: ${error.message}`, current?.id ?? '');
  } finally {
    $('pay').disabled = terminal.getConnectionStatus() !== 'connected';
    $('cancel').disabled = true;
  }
}

$('connect').addEventListener('click', () => {
  void connect();
});
$('disconnect').addEventListener('click', () => {
  void disconnect();
});
$('pay').addEventListener('click', () => {
  void checkout();
});
$('cancel').addEventListener('click', () => {
  void terminal.cancelCollectPaymentMethod();
});
document.body.dataset.ready = 'true';
