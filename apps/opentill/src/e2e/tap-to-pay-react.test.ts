/**
 * `@opentill/terminal-sdk/react` (StripeTerminalProvider, useStripeTerminal, withStripeTerminal)
 * rendered with react-test-renderer: first over a fake SDK (React Native's hook rules: the
 * initialization guard, shared state, hook-level callbacks in several components), then over the
 * real mobile SDK and a real server (connect a phone, a 75 EUR payment with a PIN, capture).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  Cancelable,
  ConnectionStatus,
  MobileTerminal,
  MobileTerminalOptions,
  Reader,
  ScriptedTapToPayUi as ScriptedUi,
  UserCallbacks,
} from '@opentill/terminal-sdk/mobile';
import { ScriptedTapToPayUi } from '@opentill/terminal-sdk/mobile';
import { terminalFixture, type TerminalFixture } from './terminal-fixture.js';
import { goodAndroid } from './tap-to-pay-sdk-fixture.js';

// React and the adapter are loaded untyped and described below: React's type declarations would
// enter this package's program and declare empty DOM interfaces (HTMLElement, SVGElement) that
// shadow playwright's element types in the browser tests (this package compiles without lib DOM).
type Node = { readonly kind: 'react-element' };
type Component<P> = (props: P) => null;
interface ReactApi {
  createElement<P>(type: Component<P>, props?: P | null, ...children: Node[]): Node;
}
interface ReactTestRenderer {
  update(element: Node): void;
  unmount(): void;
}
interface TestRendererApi {
  create(element: Node): ReactTestRenderer;
  act(run: () => Promise<void>): Promise<void>;
}
type HookMethods = Pick<
  MobileTerminal,
  | 'initialize'
  | 'discoverReaders'
  | 'connectReader'
  | 'disconnectReader'
  | 'createPaymentIntent'
  | 'processPaymentIntent'
  | 'setTapToPayUxConfiguration'
  | 'getConnectionStatus'
  | 'clearCachedCredentials'
>;
type StripeTerminalHook = Omit<HookMethods, 'disconnectReader' | 'getConnectionStatus'> & {
  disconnectReader(): ReturnType<MobileTerminal['disconnectReader']> | undefined;
  getConnectionStatus(): Promise<ConnectionStatus>;
  discoveredReaders: Reader[];
  connectedReader: Reader | null | undefined;
  isInitialized: boolean;
  getIsInitialized(): boolean;
  loading: boolean;
};
type MobileTerminalLike = Partial<HookMethods>;
interface ProviderProps {
  apiBase: string;
  tokenProvider: () => Promise<string>;
  device: MobileTerminalOptions['device'];
  installationId: string;
  ui?: ScriptedUi;
  callbacks?: UserCallbacks;
  createTerminal?: (options: MobileTerminalOptions) => MobileTerminalLike;
}
interface AdapterApi {
  StripeTerminalProvider: Component<ProviderProps>;
  useStripeTerminal(callbacks?: UserCallbacks): StripeTerminalHook;
  withStripeTerminal<P>(component: Component<P & StripeTerminalHook>): Component<P>;
}
const React = ((await import('react' as string)) as { default: ReactApi }).default;
const { create, act } = ((await import('react-test-renderer' as string)) as { default: TestRendererApi }).default;
const { StripeTerminalProvider, useStripeTerminal, withStripeTerminal } = (await import(
  '@opentill/terminal-sdk/react' as string
)) as AdapterApi;

// react-test-renderer: updates are wrapped in act() by the tests. Its React 19 deprecation notice
// (printed on every create) is noise here: it is still the renderer React Native apps test with.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
const printError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('react-test-renderer is deprecated')) return;
  printError(...args);
};

const notInitialized = 'First initialize the Stripe Terminal SDK before performing any action';

/** Renders `element` and returns what each probe's hook answered on its latest render. */
async function render(element: Node): Promise<ReactTestRenderer> {
  let renderer: ReactTestRenderer | undefined;
  await act(async () => {
    renderer = create(element);
  });
  return renderer!;
}

/** A component that exposes its hook result (and takes hook-level callbacks). */
function probe(name: string, seen: Map<string, StripeTerminalHook>, callbacks?: UserCallbacks): Component<object> {
  return () => {
    seen.set(name, useStripeTerminal(callbacks));
    return null;
  };
}

/** A stand-in for MobileTerminal: records calls and lets the test fire the SDK's callbacks. */
function fakeTerminal(options: MobileTerminalOptions) {
  const calls: string[] = [];
  const reader: Reader = {
    id: 'pos-1',
    serialNumber: 'pos-1',
    deviceType: 'tapToPay',
    simulated: true,
    locationStatus: 'notSet',
    batteryStatus: 'unknown',
    status: 'online',
  };
  let status: ConnectionStatus = 'notConnected';
  let release: (() => void) | null = null;
  const cancelable = <T>(promise: Promise<T>): Cancelable<T> => Object.assign(promise, { cancel: async () => ({}) });
  const terminal = {
    initialize: async () => {
      calls.push('initialize');
      return {};
    },
    discoverReaders: (params: unknown) => {
      calls.push(`discoverReaders ${JSON.stringify(params)}`);
      // Stays pending until the test releases it: `loading` must be true meanwhile.
      return cancelable(
        new Promise<{ error?: undefined }>((resolve) => {
          release = () => {
            options.callbacks?.onUpdateDiscoveredReaders?.([reader]);
            resolve({});
          };
        }),
      );
    },
    connectReader: async () => {
      calls.push('connectReader');
      status = 'connected';
      options.callbacks?.onDidChangeConnectionStatus?.('connected');
      return { reader: { ...reader, id: 'tmr_1' } };
    },
    disconnectReader: async () => {
      calls.push('disconnectReader');
      return {};
    },
    getConnectionStatus: () => status,
    clearCachedCredentials: async () => {
      calls.push('clearCachedCredentials');
      return {};
    },
  } as MobileTerminalLike;
  return { terminal, calls, releaseDiscovery: () => release?.(), fire: options.callbacks! };
}

describe('React adapter over a fake SDK', () => {
  test('the initialization guard, shared state, loading, hook-level callbacks in two components, the HOC', async () => {
    const seen = new Map<string, StripeTerminalHook>();
    const statusA: ConnectionStatus[] = [];
    const statusB: ConnectionStatus[] = [];
    const providerStatus: ConnectionStatus[] = [];
    let fake: ReturnType<typeof fakeTerminal> | undefined;
    let created = 0;
    const A = probe('a', seen, { onDidChangeConnectionStatus: (s) => statusA.push(s) });
    const readerEventsB: string[] = [];
    const B = probe('b', seen, {
      onDidChangeConnectionStatus: (s) => statusB.push(s),
      onDidReportReaderEvent: (e) => readerEventsB.push(e),
    });
    const Wrapped = withStripeTerminal((props: { label: string } & StripeTerminalHook) => {
      seen.set(`hoc:${props.label}`, props);
      return null;
    });
    const errors: unknown[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => {
      errors.push(args[0]);
    };
    try {
      const renderer = await render(
        React.createElement(
          StripeTerminalProvider,
          {
            apiBase: 'http://opentill.invalid',
            tokenProvider: async () => 'pst_test',
            device: goodAndroid,
            installationId: 'pos-1',
            ui: new ScriptedTapToPayUi(),
            callbacks: { onDidChangeConnectionStatus: (s) => providerStatus.push(s) },
            createTerminal: (options) => {
              created++;
              fake = fakeTerminal(options);
              return fake.terminal;
            },
          },
          React.createElement(A),
          React.createElement(B),
          React.createElement(Wrapped, { label: 'x' }),
        ),
      );
      const a = () => seen.get('a')!;

      // Before initialize: React Native's error, as a rejection for async methods.
      assert.equal(a().isInitialized, false);
      await assert.rejects(() => a().discoverReaders({ discoveryMethod: 'tapToPay', simulated: true }), {
        message: notInitialized,
      });
      // The status getters are Promises on the hook, as React Native's are.
      await assert.rejects(() => a().getConnectionStatus(), { message: notInitialized });
      assert.equal(a().disconnectReader(), undefined, 'disconnectReader only logs');
      assert.deepEqual(await a().clearCachedCredentials(), {}, 'clearCachedCredentials needs no initialize');
      assert.ok(errors.filter((e) => e === notInitialized).length >= 3, 'each guard logs');

      await act(async () => {
        assert.deepEqual(await a().initialize(), {});
      });
      for (const name of ['a', 'b', 'hoc:x']) assert.equal(seen.get(name)!.isInitialized, true, name);
      assert.equal(seen.get('hoc:x')!.getIsInitialized(), true);

      // A long operation: loading while it runs, readers shared by every hook, cancel() kept.
      let discovery: ReturnType<StripeTerminalHook['discoverReaders']> | undefined;
      await act(async () => {
        discovery = seen.get('b')!.discoverReaders({ discoveryMethod: 'tapToPay', simulated: true });
      });
      assert.equal(typeof discovery!.cancel, 'function');
      assert.equal(a().loading, true);
      await act(async () => {
        fake!.releaseDiscovery();
        await discovery;
      });
      assert.equal(a().loading, false);
      assert.deepEqual(
        seen.get('hoc:x')!.discoveredReaders.map((r) => r.serialNumber),
        ['pos-1'],
      );

      await act(async () => {
        const connected = await a().connectReader({
          discoveryMethod: 'tapToPay',
          reader: a().discoveredReaders[0]!,
          locationId: 'tml_1',
        });
        assert.equal(connected.reader?.id, 'tmr_1');
      });
      assert.equal(seen.get('b')!.connectedReader?.id, 'tmr_1');
      assert.equal(await a().getConnectionStatus(), 'connected');
      assert.deepEqual([statusA, statusB, providerStatus], [['connected'], ['connected'], ['connected']]);
      // Every callback of the SDK reaches the hooks, the reader's events included.
      await act(async () => {
        fake!.fire.onDidReportReaderEvent?.('cardInserted');
      });
      assert.deepEqual(readerEventsB, ['cardInserted']);

      // An unexpected disconnect clears the shared state (React Native's hook does the same).
      await act(async () => {
        fake!.fire.onDidDisconnect?.('unknown');
      });
      assert.equal(a().connectedReader, null);
      assert.deepEqual(a().discoveredReaders, []);

      // An unmounted component stops hearing callbacks; the SDK instance is never re-created.
      await act(async () => {
        renderer.update(
          React.createElement(
            StripeTerminalProvider,
            {
              apiBase: 'http://opentill.invalid',
              tokenProvider: async () => 'pst_test',
              device: goodAndroid,
              installationId: 'pos-1',
              createTerminal: () => {
                throw new Error('re-created');
              },
            },
            React.createElement(A),
          ),
        );
      });
      await act(async () => {
        fake!.fire.onDidChangeConnectionStatus?.('notConnected');
      });
      assert.deepEqual([statusA, statusB], [['connected', 'notConnected'], ['connected']]);
      assert.equal(created, 1);
      assert.deepEqual(fake!.calls, [
        'clearCachedCredentials',
        'initialize',
        'discoverReaders {"discoveryMethod":"tapToPay","simulated":true}',
        'connectReader',
      ]);
      await act(async () => {
        renderer.unmount();
      });
    } finally {
      console.error = consoleError;
    }
  });

  test('useStripeTerminal outside the provider is an error', async () => {
    const Lost: Component<object> = () => {
      useStripeTerminal();
      return null;
    };
    const consoleError = console.error;
    console.error = () => undefined;
    try {
      await assert.rejects(() => render(React.createElement(Lost)), /inside <StripeTerminalProvider>/);
    } finally {
      console.error = consoleError;
    }
  });
});

describe('React adapter over the real mobile SDK and server (sqlite)', () => {
  let f: TerminalFixture;
  before(async () => {
    f = await terminalFixture('sqlite', 'ttp_react');
  });
  after(async () => {
    await f?.stop();
  });

  test('initialize, discover, connect, a 75 EUR payment with a PIN, capture', async () => {
    const location = await f.location(); // FR
    const ui = new ScriptedTapToPayUi().tapCard('4242424242424242').pin('1234');
    const seen = new Map<string, StripeTerminalHook>();
    const statuses: ConnectionStatus[] = [];
    const payments: string[] = [];
    const App = probe('app', seen, { onDidChangeConnectionStatus: (s) => statuses.push(s) });
    const Banner = probe('banner', seen, { onDidChangePaymentStatus: (s) => payments.push(s) });
    const renderer = await render(
      React.createElement(
        StripeTerminalProvider,
        {
          apiBase: f.server.baseUrl,
          device: goodAndroid,
          installationId: `react-${process.pid}`,
          ui,
          tokenProvider: async () =>
            (await f.stripe.terminal.connectionTokens.create({ location: location.id })).secret,
        },
        React.createElement(App),
        React.createElement(Banner),
      ),
    );
    const app = () => seen.get('app')!;

    await act(async () => {
      assert.equal((await app().initialize()).error, undefined);
    });
    await act(async () => {
      assert.equal(
        (await app().setTapToPayUxConfiguration({ tapZone: { indicator: 'above', bias: 0.2 }, darkMode: 'dark' }))
          .error,
        undefined,
      );
    });
    await act(async () => {
      assert.equal((await app().discoverReaders({ discoveryMethod: 'tapToPay', simulated: true })).error, undefined);
    });
    assert.equal(app().discoveredReaders.length, 1);
    await act(async () => {
      const result = await app().connectReader({
        discoveryMethod: 'tapToPay',
        reader: app().discoveredReaders[0]!,
        locationId: location.id,
      });
      assert.equal(result.error, undefined, JSON.stringify(result.error));
    });
    const reader = seen.get('banner')!.connectedReader!;
    assert.match(reader.id, /^tmr_/);
    assert.equal(await app().getConnectionStatus(), 'connected');
    assert.ok(statuses.includes('connected'));

    let intentId = '';
    await act(async () => {
      const created = await app().createPaymentIntent({ amount: 7500, currency: 'eur', captureMethod: 'manual' });
      assert.equal(created.error, undefined, JSON.stringify(created.error));
      const processed = await app().processPaymentIntent({ paymentIntent: created.paymentIntent! });
      assert.equal(processed.error, undefined, JSON.stringify(processed.error));
      assert.equal(processed.paymentIntent!.status, 'requiresCapture');
      intentId = processed.paymentIntent!.id;
    });
    assert.equal(app().loading, false);
    assert.ok(payments.includes('waitingForInput') || payments.includes('processing'), JSON.stringify(payments));
    assert.equal(ui.pinPads.length, 1, 'one PIN pad');
    assert.equal(ui.tapScreens[0]!.ux.tapZone.indicator, 'above', 'the UX configuration reached the tap screen');

    const captured = await f.stripe.paymentIntents.capture(intentId, { expand: ['latest_charge'] });
    assert.equal(captured.status, 'succeeded');
    assert.equal(captured.amount_received, 7500);
    const card = (
      captured.latest_charge as unknown as {
        payment_method_details: {
          card_present: {
            reader: string;
            receipt: { cardholder_verification_method: string };
          };
        };
      }
    ).payment_method_details.card_present;
    assert.equal(card.receipt.cardholder_verification_method, 'online_pin');
    assert.equal(card.reader, reader.id);

    await act(async () => {
      assert.equal((await app().disconnectReader())?.error, undefined);
    });
    assert.equal(app().connectedReader, null);
    await act(async () => {
      renderer.unmount();
    });
  });

  test('the rest of the hook: easyConnect and a Bluetooth reader keep connectedReader, getters are Promises, rebootReader clears it', async () => {
    const location = await f.location();
    /** The hook members this test uses, beyond the ones typed at the top. */
    type ExtraHook = {
      easyConnect(params: {
        discoveryMethod: 'internet';
        simulated: boolean;
        locationId: string;
      }): Promise<{ reader?: Reader; error?: unknown }>;
      getConnectedReader(): Promise<Reader | null>;
      getLocations(params: { limit: number }): Promise<{ locations?: Array<{ id: string }> }>;
      rebootReader(): Promise<{ error?: unknown }>;
      connectReader(params: unknown): Promise<{ reader?: Reader; error?: unknown }>;
    };
    const seen = new Map<string, StripeTerminalHook>();
    const App = probe('app', seen);
    const renderer = await render(
      React.createElement(
        StripeTerminalProvider,
        {
          apiBase: f.server.baseUrl,
          device: goodAndroid,
          installationId: `react-more-${process.pid}`,
          ui: new ScriptedTapToPayUi(),
          tokenProvider: async () => (await f.stripe.terminal.connectionTokens.create()).secret,
        },
        React.createElement(App),
      ),
    );
    const app = () => seen.get('app')! as unknown as StripeTerminalHook & ExtraHook;
    await act(async () => {
      assert.equal((await app().initialize()).error, undefined);
    });

    await act(async () => {
      const connected = await app().easyConnect({
        discoveryMethod: 'internet',
        simulated: true,
        locationId: location.id,
      });
      assert.equal(connected.error, undefined, JSON.stringify(connected.error));
    });
    assert.equal(app().connectedReader?.deviceType, 'wisePosE');
    assert.equal((await app().getConnectedReader())?.id, app().connectedReader?.id);
    assert.ok((await app().getLocations({ limit: 10 })).locations?.some((l) => l.id === location.id));
    await act(async () => {
      await app().disconnectReader();
    });
    assert.equal(app().connectedReader, null);

    await act(async () => {
      assert.equal(
        (await app().discoverReaders({ discoveryMethod: 'bluetoothScan', simulated: true })).error,
        undefined,
      );
    });
    assert.deepEqual(
      app().discoveredReaders.map((r) => r.deviceType),
      ['stripeM2', 'chipper2X', 'wisePad3'],
    );
    await act(async () => {
      const connected = await app().connectReader({
        discoveryMethod: 'bluetoothScan',
        reader: app().discoveredReaders[2]!,
        locationId: location.id,
      });
      assert.equal(connected.error, undefined, JSON.stringify(connected.error));
    });
    assert.equal(app().connectedReader?.deviceType, 'wisePad3');
    await act(async () => {
      assert.equal((await app().rebootReader()).error, undefined);
    });
    assert.equal(app().connectedReader, null);
    assert.equal(await app().getConnectionStatus(), 'notConnected');
    await act(async () => {
      renderer.unmount();
    });
  });
});
