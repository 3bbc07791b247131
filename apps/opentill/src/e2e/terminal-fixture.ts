/** Shared set-up of the Terminal black-box tests: a real server and the official `stripe` client. */
import Stripe from 'stripe';
import { startServer, type RunningServer, type StoreKind } from '@opentill/testkit';

export const stores: readonly StoreKind[] = ['sqlite', 'postgres'];

export interface TerminalFixture {
  server: RunningServer;
  stripe: Stripe;
  /** Raw call to OpenTill's own endpoints (fault injection, test clock). */
  opentill(path: string, params?: Record<string, string>): Promise<Record<string, unknown>>;
  location(): Promise<Stripe.Terminal.Location>;
  /** A Location in `country` (and `state`), one per pair, made on first use. */
  locationIn(country: string, state?: string): Promise<Stripe.Terminal.Location>;
  reader(code?: string): Promise<Stripe.Terminal.Reader>;
  paymentIntent(params?: Record<string, unknown>): Promise<Stripe.PaymentIntent>;
  stop(): Promise<void>;
}

export async function terminalFixture(store: StoreKind, name: string): Promise<TerminalFixture> {
  const server = await startServer({ store, name });
  const stripe = new Stripe(server.secretKey, {
    host: '127.0.0.1',
    port: server.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  let location: Stripe.Terminal.Location | null = null;
  const locations = new Map<string, Stripe.Terminal.Location>();
  const fixture: TerminalFixture = {
    server,
    stripe,
    async opentill(path, params = {}) {
      const response = await fetch(`${server.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
      });
      const body = (await response.json()) as Record<string, unknown>;
      if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
      return body;
    },
    async location() {
      location ??= await stripe.terminal.locations.create({
        display_name: 'HQ',
        address: { line1: '1 rue de la Paix', city: 'Paris', postal_code: '75002', country: 'FR' },
      });
      return location;
    },
    async locationIn(country, state) {
      const key = `${country}/${state ?? ''}`;
      const known = locations.get(key);
      if (known) return known;
      const created = await stripe.terminal.locations.create({
        display_name: `Shop ${country}`,
        address: { line1: '1 Main St', city: 'City', country, ...(state ? { state } : {}) },
      });
      locations.set(key, created);
      return created;
    },
    async reader(code = 'simulated-wpe') {
      return stripe.terminal.readers.create({ registration_code: code, location: (await fixture.location()).id });
    },
    async paymentIntent(params = {}) {
      // The seed's snippets send payment_method_types, which stripe-node 23's types no longer list.
      return stripe.paymentIntents.create({
        currency: 'eur',
        payment_method_types: ['card_present'],
        capture_method: 'manual',
        amount: 1000,
        ...params,
      } as Stripe.PaymentIntentCreateParams);
    },
    stop: () => server.stop(),
  };
  return fixture;
}

/** The error a stripe call rejected with. */
export async function stripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    return error as Stripe.errors.StripeError;
  }
  throw new Error('expected the call to fail');
}
