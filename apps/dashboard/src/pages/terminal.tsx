/** Terminal: readers (live status, virtual screen, faults, history), locations, configurations. */
import { useState, type FormEvent } from 'react';
import { eventsAbout, get, post, type ListEnvelope, type Obj } from '../api.js';
import {
  Badge,
  Details,
  Empty,
  Id,
  ErrorBanner,
  IdSearch,
  ListView,
  Metadata,
  Mono,
  PageHeader,
  Section,
  Select,
  Table,
  TextField,
  Toolbar,
  useAction,
  type Column,
} from '../components.js';
import { ago, money, pick, str, titleCase, when } from '../format.js';
import { href, useLoad, usePagedList } from '../hooks.js';

const deviceNames: Record<string, string> = {
  simulated_wisepos_e: 'WisePOS E (simulated)',
  bbpos_wisepos_e: 'BBPOS WisePOS E',
  simulated_stripe_s700: 'Stripe S700 (simulated)',
  simulated_stripe_s710: 'Stripe S710 (simulated)',
  simulated_stripe_t600: 'Stripe T600 (simulated)',
  stripe_s700: 'Stripe S700',
  stripe_m2: 'Stripe M2',
  bbpos_wisepad3: 'BBPOS WisePad 3',
  bbpos_chipper2x: 'BBPOS Chipper 2X',
  mobile_phone_reader: 'Tap to Pay phone',
  simulated_verifone_m425: 'Verifone M425 (simulated)',
  simulated_verifone_p630: 'Verifone P630 (simulated)',
  simulated_verifone_ux700: 'Verifone UX700 (simulated)',
  simulated_verifone_v660p: 'Verifone V660p (simulated)',
};
export const deviceName = (type: unknown): string => deviceNames[str(type)] ?? str(type).replace(/_/g, ' ');

/**
 * A reader turns offline when it has not been seen for 2 minutes, which no write announces: the
 * reader views re-read this often (the server computes `status` on the account's clock).
 */
const presenceRefreshMs = 15_000;

function ActionCell({ reader }: { reader: Obj }) {
  const action = reader['action'] as Record<string, unknown> | null | undefined;
  if (!action) return <span className="muted">Idle</span>;
  return (
    <span className="action-cell">
      {titleCase(str(action['type']))} <Badge status={str(action['status'])} />
    </span>
  );
}

/**
 * Opens the reader's virtual screen in a new tab. The tab is opened during the click (a popup
 * opened after an await is blocked), then sent to the screen session's URL.
 */
export function useOpenScreen(readerId: string) {
  const action = useAction();
  const open = () => {
    const tab = window.open('about:blank', '_blank');
    void action.run(async () => {
      try {
        const session = await post(`/opentill/v1/terminal/readers/${encodeURIComponent(readerId)}/screen_sessions`);
        const url = new URL(str(session['url']), window.location.origin).toString();
        if (tab) {
          tab.opener = null;
          tab.location.href = url;
        } else {
          window.location.href = url;
        }
      } catch (error) {
        tab?.close();
        throw error;
      }
    });
  };
  return { open, busy: action.busy, error: action.error };
}

function OpenScreenButton({ readerId, primary }: { readerId: string; primary?: boolean }) {
  const screen = useOpenScreen(readerId);
  return (
    <>
      <button
        type="button"
        className={`btn ${primary ? 'btn-primary' : ''}`}
        data-action="open-screen"
        disabled={screen.busy}
        onClick={screen.open}
      >
        Open screen ↗
      </button>
      {screen.error ? <ErrorBanner error={screen.error} /> : null}
    </>
  );
}

export function Terminal() {
  const [status, setStatus] = useState('');
  const [location, setLocation] = useState('');
  const locations = useLoad(() => get<ListEnvelope<Obj>>('/v1/terminal/locations', { limit: 100 }), []);
  const readerParams: Record<string, unknown> = { ...(status ? { status } : {}), ...(location ? { location } : {}) };
  const readers = usePagedList<Obj>('/v1/terminal/readers', readerParams, 20, undefined, '', {
    refreshMs: presenceRefreshMs,
  });
  const locationList = usePagedList<Obj>('/v1/terminal/locations', {}, 10);
  const configurations = usePagedList<Obj>('/v1/terminal/configurations', {}, 10);
  const columns: Column<Obj>[] = [
    {
      label: 'Reader',
      cell: (r) => (
        <div>
          <strong className="user-text">{str(r['label']) || str(r['serial_number'])}</strong>
          <div className="muted small">
            <Id id={r.id} />
          </div>
        </div>
      ),
    },
    { label: 'Status', cell: (r) => <Badge status={str(r['status']) || 'offline'} /> },
    { label: 'Current action', cell: (r) => <ActionCell reader={r} />, secondary: true },
    { label: 'Device', cell: (r) => deviceName(r['device_type']), secondary: true },
    {
      label: 'Location',
      cell: (r) => (str(r['location']) ? <span className="user-text">{locationName(r['location'])}</span> : '—'),
      secondary: true,
    },
    { label: 'Last seen', cell: (r) => ago(r['last_seen_at']), secondary: true },
    { label: '', cell: (r) => <OpenScreenButton readerId={r.id} /> },
  ];
  const locationName = (id: unknown) => str(locations.data?.data.find((l) => l.id === id)?.['display_name']) || str(id);
  const locationOptions: Array<[string, string]> = [
    ['', 'All locations'],
    ...(locations.data?.data ?? []).map((l): [string, string] => [l.id, str(l['display_name']) || l.id]),
  ];
  return (
    <>
      <PageHeader
        title="Terminal"
        subtitle="Readers, their live status and current action; locations and configurations."
      />
      <Toolbar>
        <Select
          label="Status"
          value={status}
          onChange={setStatus}
          name="reader-status"
          options={[
            ['', 'All'],
            ['online', 'Online'],
            ['offline', 'Offline'],
          ]}
        />
        <Select
          label="Location"
          value={location}
          onChange={setLocation}
          name="reader-location"
          options={locationOptions}
        />
        <IdSearch
          placeholder="Find a reader by id (tmr_…)"
          route={(id) => `terminal/readers/${id}`}
          pattern={/^tmr_\w+$/}
        />
      </Toolbar>
      <h2 className="section-title">Readers</h2>
      <ListView
        list={readers}
        columns={columns}
        link={(r) => `terminal/readers/${r.id}`}
        testId="readers"
        empty="No readers. Register a simulated reader below, or pair one with `opentill reader`."
      />
      <RegisterReader locations={locations.data?.data ?? []} onDone={readers.reload} />
      <div className="grid-2">
        <div>
          <h2 className="section-title">Locations</h2>
          <section className="card">
            <CreateLocation
              onDone={() => {
                locationList.reload();
                locations.reload();
              }}
            />
          </section>
          <ListView
            list={locationList}
            empty="No locations."
            testId="locations"
            columns={[
              { label: 'Name', cell: (l) => <span className="user-text">{str(l['display_name'])}</span> },
              {
                label: 'Address',
                cell: (l) => (
                  <span className="user-text">
                    {[pick(l, 'address.line1'), pick(l, 'address.city'), pick(l, 'address.country')]
                      .filter(Boolean)
                      .map(str)
                      .join(', ')}
                  </span>
                ),
                secondary: true,
              },
              { label: 'ID', cell: (l) => <Id id={l.id} /> },
            ]}
          />
        </div>
        <div>
          <h2 className="section-title">Configurations</h2>
          <ListView
            list={configurations}
            empty="No configurations."
            testId="configurations"
            columns={[
              { label: 'Name', cell: (c) => <span className="user-text">{str(c['name']) || '—'}</span> },
              { label: 'Default', cell: (c) => (c['is_account_default'] ? 'Yes' : 'No'), secondary: true },
              { label: 'Tipping', cell: (c) => (c['tipping'] ? 'Yes' : 'No'), secondary: true },
              { label: 'ID', cell: (c) => <Id id={c.id} /> },
            ]}
          />
        </div>
      </div>
    </>
  );
}

function RegisterReader({ locations, onDone }: { locations: Obj[]; onDone: () => void }) {
  const [label, setLabel] = useState('');
  const [chosen, setChosen] = useState('');
  const [code, setCode] = useState('simulated-wpe');
  const action = useAction();
  const [created, setCreated] = useState<Obj | null>(null);
  // A reader is registered to a location: the first one unless another is chosen.
  const location = chosen || locations[0]?.id || '';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const reader = await post('/v1/terminal/readers', {
        registration_code: code,
        location,
        ...(label.trim() ? { label: label.trim() } : {}),
      });
      setCreated(reader);
      setLabel('');
      onDone();
    });
  };
  return (
    <Section title="Register a simulated reader" testId="register-reader">
      <form className="inline-form" onSubmit={submit}>
        <Select
          label="Device"
          value={code}
          onChange={setCode}
          name="registration_code"
          options={[
            ['simulated-wpe', 'BBPOS WisePOS E'],
            ['simulated-s700', 'Stripe S700'],
            ['simulated-s710', 'Stripe S710'],
            ['simulated-t600', 'Stripe T600'],
            ['simulated-m425', 'Verifone M425'],
            ['simulated-p630', 'Verifone P630'],
            ['simulated-ux700', 'Verifone UX700'],
            ['simulated-v660p', 'Verifone V660p'],
          ]}
        />
        <TextField label="Label" name="label" value={label} onChange={setLabel} placeholder="Front counter" />
        <Select
          label="Location"
          value={location}
          onChange={setChosen}
          name="location"
          options={
            locations.length
              ? locations.map((l): [string, string] => [l.id, str(l['display_name']) || l.id])
              : [['', 'No location yet']]
          }
        />
        <button
          type="submit"
          className="btn btn-primary"
          disabled={action.busy || !location}
          data-action="register-reader"
        >
          Register
        </button>
      </form>
      {!location ? <p className="muted small">Add a location first (below): every reader belongs to one.</p> : null}
      <ErrorBanner error={action.error} />
      {created ? (
        <p className="banner banner-ok" role="status">
          Registered{' '}
          <a href={href(`terminal/readers/${created.id}`)}>
            <Mono>{created.id}</Mono>
          </a>
          .
        </p>
      ) : null}
    </Section>
  );
}

function CreateLocation({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [line1, setLine1] = useState('');
  const [city, setCity] = useState('');
  const [postalCode, setPostalCode] = useState('');
  const [country, setCountry] = useState('US');
  const action = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      await post('/v1/terminal/locations', {
        display_name: name.trim(),
        address: { line1: line1.trim(), city: city.trim(), postal_code: postalCode.trim(), country },
      });
      setName('');
      setLine1('');
      onDone();
    });
  };
  return (
    <form className="card-body stacked-form" onSubmit={submit} data-testid="create-location">
      <TextField
        label="Name"
        name="display_name"
        value={name}
        onChange={setName}
        placeholder="Main street store"
        required
      />
      <TextField label="Address" name="line1" value={line1} onChange={setLine1} required />
      <div className="form-row">
        <TextField label="City" name="city" value={city} onChange={setCity} required />
        <TextField label="Postal code" name="postal_code" value={postalCode} onChange={setPostalCode} required />
        <Select
          label="Country"
          value={country}
          onChange={setCountry}
          name="country"
          options={[
            ['US', 'United States'],
            ['CA', 'Canada'],
            ['GB', 'United Kingdom'],
            ['FR', 'France'],
            ['DE', 'Germany'],
            ['ES', 'Spain'],
            ['IT', 'Italy'],
            ['NL', 'Netherlands'],
            ['IE', 'Ireland'],
            ['AU', 'Australia'],
            ['NZ', 'New Zealand'],
            ['SG', 'Singapore'],
          ]}
        />
      </div>
      <ErrorBanner error={action.error} />
      <div>
        <button type="submit" className="btn" disabled={action.busy} data-action="create-location">
          Add location
        </button>
      </div>
    </form>
  );
}

/** docs/terminal.md's fault injection, one button each (the switches a tester flips). */
const faults: Array<{ path: string; label: string; params?: Record<string, unknown>; help: string }> = [
  { path: 'offline', label: 'Go offline', help: 'The reader stops checking in.' },
  { path: 'online', label: 'Come online', help: 'The reader checks in again.' },
  {
    path: 'busy',
    label: 'Busy 60 s',
    params: { seconds: 60 },
    help: 'Updating: every action gets terminal_reader_busy.',
  },
  {
    path: 'next_command_timeout',
    label: 'Next command times out',
    help: 'terminal_reader_timeout on the next command.',
  },
  {
    path: 'next_authorization_connection_error',
    label: 'Next authorization fails',
    help: 'connection_error on the next authorization.',
  },
  {
    path: 'authorization_latency',
    label: 'Slow authorizations (10 s)',
    params: { seconds: 10 },
    help: 'Authorizations take 10 seconds.',
  },
  {
    path: 'drop_next_final_event',
    label: 'Drop next final event',
    help: 'The action stays in_progress with no final event.',
  },
  {
    path: 'auto_present',
    label: 'Auto-present card (2 s)',
    params: { after_seconds: 2 },
    help: 'Presents the default test card 2 s after a payment action starts.',
  },
  { path: 'press_cancel', label: 'Press cancel', help: 'The customer presses the cancel button.' },
  { path: 'reset', label: 'Reset faults', help: 'Online, not busy, no pending faults.' },
];

function FaultSwitches({ reader, onDone }: { reader: Obj; onDone: () => void }) {
  const action = useAction();
  const [last, setLast] = useState('');
  return (
    <Section title="Fault injection" testId="faults">
      <div className="fault-grid">
        {faults.map((fault) => (
          <button
            key={fault.path}
            type="button"
            className="btn fault"
            title={fault.help}
            data-fault={fault.path}
            disabled={action.busy}
            onClick={() => {
              void action.run(async () => {
                await post(
                  `/opentill/v1/test/terminal/readers/${encodeURIComponent(reader.id)}/${fault.path}`,
                  fault.params ?? {},
                );
                setLast(fault.label);
                onDone();
              });
            }}
          >
            <strong>{fault.label}</strong>
            <span className="muted small">{fault.help}</span>
          </button>
        ))}
      </div>
      <ErrorBanner error={action.error} />
      {last && !action.error ? (
        <p className="muted small" role="status">
          Applied: {last}
        </p>
      ) : null}
    </Section>
  );
}

function ActionHistory({ reader }: { reader: Obj }) {
  const id = reader.id;
  const history = useLoad(() => eventsAbout((object) => object['id'] === id, { type: 'terminal.reader.*' }), [id]);
  const rows = history.data?.events ?? [];
  return (
    <Section title="Action history" testId="action-history">
      <ErrorBanner error={history.error} />
      {!history.data ? (
        <Empty>Loading…</Empty>
      ) : (
        <Table
          rows={rows}
          empty="No actions yet."
          columns={[
            { label: 'Action', cell: (e) => titleCase(str(pick(e, 'data.object.action.type'))) },
            { label: 'Result', cell: (e) => <Badge status={str(pick(e, 'data.object.action.status'))} /> },
            {
              label: 'Payment',
              cell: (e) => {
                const pi = str(
                  pick(e, 'data.object.action.process_payment_intent.payment_intent') ??
                    pick(e, 'data.object.action.refund_payment.payment_intent'),
                );
                return pi ? (
                  <a href={href(`payments/${pi}`)}>
                    <Mono>{pi}</Mono>
                  </a>
                ) : (
                  '—'
                );
              },
            },
            {
              label: 'Failure',
              cell: (e) => str(pick(e, 'data.object.action.failure_message')) || '—',
              secondary: true,
            },
            {
              label: 'Event',
              cell: (e) => (
                <a href={href(`events/${e.id}`)}>
                  <Mono>{str(e['type'])}</Mono>
                </a>
              ),
              secondary: true,
            },
            { label: 'When', cell: (e) => when(e['created']) },
          ]}
        />
      )}
    </Section>
  );
}

export function ReaderDetail({ id }: { id: string }) {
  const loaded = useLoad(() => get(`/v1/terminal/readers/${encodeURIComponent(id)}`), [id], {
    refreshMs: presenceRefreshMs,
  });
  const reader = loaded.data;
  const action = reader?.['action'] as Record<string, unknown> | null | undefined;
  const cart = action?.['set_reader_display'] as Record<string, unknown> | undefined;
  return (
    <>
      <PageHeader
        title={
          <>
            <a href={href('terminal')} className="back">
              ← Terminal
            </a>
            <span className="headline">
              <span className="user-text" data-testid="reader-label">
                {reader ? str(reader['label']) || str(reader['serial_number']) : id}
              </span>
              {reader ? <Badge status={str(reader['status']) || 'offline'} /> : null}
            </span>
          </>
        }
        subtitle={<Mono>{id}</Mono>}
        actions={reader ? <OpenScreenButton readerId={id} primary /> : null}
      />
      <ErrorBanner error={loaded.error} />
      {reader ? (
        <>
          <div className="grid-2">
            <Section title="Reader">
              <Details
                items={[
                  [
                    'Status',
                    <span data-testid="reader-status">
                      <Badge status={str(reader['status']) || 'offline'} />
                    </span>,
                  ],
                  [
                    'Last seen',
                    reader['last_seen_at']
                      ? `${ago(reader['last_seen_at'])} (${when(Number(reader['last_seen_at']) / 1000)})`
                      : 'never',
                  ],
                  ['Device type', deviceName(reader['device_type'])],
                  ['Serial number', <Mono>{str(reader['serial_number'])}</Mono>],
                  ['Software', str(reader['device_sw_version'])],
                  ['IP address', str(reader['ip_address'])],
                  ['Location', str(reader['location']) ? <Mono>{str(reader['location'])}</Mono> : null],
                ]}
              />
            </Section>
            <Section title="Current action" testId="current-action">
              {!action ? (
                <Empty>Idle: no action in progress.</Empty>
              ) : (
                <Details
                  items={[
                    ['Type', titleCase(str(action['type']))],
                    ['Status', <Badge status={str(action['status'])} />],
                    [
                      'Payment',
                      (() => {
                        const pi = str(
                          pick(action, 'process_payment_intent.payment_intent') ??
                            pick(action, 'refund_payment.payment_intent'),
                        );
                        return pi ? (
                          <a href={href(`payments/${pi}`)}>
                            <Mono>{pi}</Mono>
                          </a>
                        ) : null;
                      })(),
                    ],
                    ['Cart total', cart ? money(pick(cart, 'cart.total'), pick(cart, 'cart.currency')) : null],
                    [
                      'Failure',
                      action['failure_message']
                        ? `${str(action['failure_message'])} (${str(action['failure_code'])})`
                        : null,
                    ],
                  ]}
                />
              )}
            </Section>
          </div>
          <FaultSwitches reader={reader} onDone={loaded.reload} />
          <ActionHistory reader={reader} />
          <Section title="Metadata">
            <Metadata metadata={reader['metadata']} />
          </Section>
        </>
      ) : loaded.error ? null : (
        <Empty>Loading…</Empty>
      )}
    </>
  );
}
