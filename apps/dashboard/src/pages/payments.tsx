/** Payments: the PaymentIntents list and one payment's page (timeline, charges, refunds, actions). */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { eventsAbout, get, post, type ListEnvelope, type Obj } from '../api.js';
import {
  Badge,
  Details,
  Id,
  Dialog,
  Empty,
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
import { amountInput, money, parseAmount, pick, str, titleCase, when } from '../format.js';
import { href, navigate, useLoad, usePagedList } from '../hooks.js';

const statuses: Array<[string, string]> = [
  ['', 'All'],
  ['succeeded', 'Succeeded'],
  ['requires_capture', 'Uncaptured'],
  ['requires_payment_method', 'Incomplete'],
  ['processing', 'Processing'],
  ['requires_confirmation', 'Requires confirmation'],
  ['requires_action', 'Requires action'],
  ['canceled', 'Canceled'],
  ['refunded', 'Refunded'],
];

/** The card a charge was made with (card_present, interac_present or card). */
export function chargeCard(charge: unknown): Record<string, unknown> | undefined {
  const details = pick(charge, 'payment_method_details') as Record<string, unknown> | undefined;
  const type = details?.['type'];
  return typeof type === 'string' ? (details?.[type] as Record<string, unknown> | undefined) : undefined;
}

export function CardLabel({ charge }: { charge: unknown }) {
  const card = chargeCard(charge);
  if (!card) return <span className="muted">—</span>;
  return (
    <span className="card-label">
      <span className="brand-tag">{str(card['brand']).toUpperCase() || 'CARD'}</span> •••• {str(card['last4'])}
    </span>
  );
}

function isRefunded(pi: Obj): boolean {
  const charge = pi['latest_charge'];
  return typeof charge === 'object' && charge !== null && (charge as Record<string, unknown>)['refunded'] === true;
}

/**
 * What refunds took back from a charge. After a partial capture Stripe counts the released part in
 * `amount_refunded` too, so that part is not a refund.
 */
export function refundedByRefunds(charge: Record<string, unknown>): number {
  if (charge['captured'] !== true) return 0;
  return Number(charge['amount_refunded']) - (Number(charge['amount']) - Number(charge['amount_captured']));
}

/** A PaymentIntent's status as the Dashboard shows it: a refunded one says so. */
export function PaymentStatus({ pi }: { pi: Obj }) {
  const status = str(pi['status']);
  const charge = pi['latest_charge'] as Record<string, unknown> | null | undefined;
  if (status === 'succeeded' && charge && typeof charge === 'object') {
    if (charge['refunded'] === true) return <Badge status="refunded" />;
    if (refundedByRefunds(charge) > 0) return <Badge status="partially_refunded" />;
  }
  return <Badge status={status} />;
}

export function Payments() {
  const [status, setStatus] = useState('');
  const select =
    status === ''
      ? undefined
      : status === 'refunded'
        ? (pi: Obj) => isRefunded(pi)
        : (pi: Obj) => pi['status'] === status;
  const list = usePagedList<Obj>('/v1/payment_intents', { expand: ['data.latest_charge'] }, 20, select, status);
  // Readers by id, to show their labels (the first 100; others show their id).
  const readers = useLoad(() => get<ListEnvelope<Obj>>('/v1/terminal/readers', { limit: 100 }), [], { live: false });
  const readerLabel = (id: string) => str(readers.data?.data.find((r) => r.id === id)?.['label']);
  const columns: Column<Obj>[] = [
    {
      label: 'Amount',
      cell: (pi) => (
        <span className="nowrap">
          <strong className="amount">{money(pi['amount'], pi['currency'])}</strong>{' '}
          <span className="muted small">{str(pi['currency']).toUpperCase()}</span>
        </span>
      ),
    },
    { label: 'Status', cell: (pi) => <PaymentStatus pi={pi} /> },
    { label: 'Payment method', cell: (pi) => <CardLabel charge={pi['latest_charge']} />, secondary: true },
    {
      label: 'Description',
      cell: (pi) => <span className="user-text">{str(pi['description'])}</span>,
      secondary: true,
    },
    {
      label: 'Reader',
      cell: (pi) => {
        const reader = str(chargeCard(pi['latest_charge'])?.['reader']);
        if (!reader) return <span className="muted">—</span>;
        const label = readerLabel(reader);
        return (
          <a href={href(`terminal/readers/${reader}`)} title={reader}>
            {label ? <span className="user-text">{label}</span> : <Id id={reader} />}
          </a>
        );
      },
      secondary: true,
    },
    { label: 'ID', cell: (pi) => <Id id={pi.id} />, secondary: true },
    { label: 'Created', cell: (pi) => when(pi['created']) },
  ];
  return (
    <>
      <PageHeader title="Payments" subtitle="PaymentIntents, newest first. The list updates by itself." />
      <Toolbar>
        <Select label="Status" value={status} options={statuses} onChange={setStatus} name="status" />
        <IdSearch placeholder="Find a payment by id (pi_… )" route={(id) => `payments/${id}`} pattern={/^pi_\w+$/} />
      </Toolbar>
      <ListView
        list={list}
        columns={columns}
        link={(pi) => `payments/${pi.id}`}
        testId="payments"
        empty={
          status
            ? 'No payment with this status.'
            : 'No payments yet. Create a PaymentIntent through the API and it shows here.'
        }
      />
    </>
  );
}

interface PaymentData {
  pi: Obj;
  charges: Obj[];
  refunds: Obj[];
}

async function loadPayment(id: string): Promise<PaymentData> {
  const [pi, charges, refunds] = await Promise.all([
    get(`/v1/payment_intents/${encodeURIComponent(id)}`, { expand: ['latest_charge'] }),
    get<ListEnvelope<Obj>>('/v1/charges', { payment_intent: id, limit: 100 }),
    get<ListEnvelope<Obj>>('/v1/refunds', { payment_intent: id, limit: 100 }),
  ]);
  return { pi, charges: charges.data, refunds: refunds.data };
}

/** What a timeline row says about an event. */
function describe(event: Obj): string {
  const type = str(event['type']);
  const object = pick(event, 'data.object') as Record<string, unknown> | undefined;
  if (type.startsWith('terminal.reader.')) {
    const action = object?.['action'] as Record<string, unknown> | undefined;
    const failure = action?.['failure_message'] ? ` — ${str(action['failure_message'])}` : '';
    return `Reader ${str(object?.['label'] || object?.['id'])}: ${titleCase(str(action?.['type']))} ${str(action?.['status']).replace(/_/g, ' ')}${failure}`;
  }
  const amount = object?.['amount'];
  const currency = object?.['currency'];
  const words: Record<string, string> = {
    'payment_intent.created': 'Payment created',
    'payment_intent.requires_action': 'Payment requires action',
    'payment_intent.amount_capturable_updated': 'Payment authorized, ready to capture',
    'payment_intent.succeeded': 'Payment succeeded',
    'payment_intent.canceled': 'Payment canceled',
    'payment_intent.payment_failed': 'Payment failed',
    'payment_intent.processing': 'Payment processing',
    'charge.succeeded': 'Charge succeeded',
    'charge.captured': 'Charge captured',
    'charge.failed': 'Charge failed',
    'charge.refunded': 'Charge refunded',
    'charge.updated': 'Charge updated',
    'refund.created': 'Refund created',
    'refund.updated': 'Refund updated',
    'refund.failed': 'Refund failed',
    'charge.refund.updated': 'Refund updated',
  };
  const text = words[type] ?? titleCase(type.replace(/\./g, ' '));
  const failure = object?.['failure_message'] ?? pick(object, 'last_payment_error.message');
  return `${text}${typeof amount === 'number' ? ` · ${money(amount, currency)}` : ''}${failure ? ` — ${str(failure)}` : ''}`;
}

function Timeline({ pi }: { pi: Obj }) {
  const id = pi.id;
  const events = useLoad(
    () =>
      eventsAbout(
        (object) =>
          object['id'] === id ||
          object['payment_intent'] === id ||
          pick(object, 'action.process_payment_intent.payment_intent') === id ||
          pick(object, 'action.confirm_payment_intent.payment_intent') === id ||
          pick(object, 'action.refund_payment.payment_intent') === id,
        { sinceSeconds: Number(pi['created']) },
      ),
    [id],
  );
  const rows = events.data ? [...events.data.events].reverse() : [];
  return (
    <Section title="Timeline" testId="timeline">
      <ErrorBanner error={events.error} />
      {!events.data ? (
        <Empty>Loading…</Empty>
      ) : rows.length === 0 ? (
        <Empty>No events yet.</Empty>
      ) : (
        <ol className="timeline">
          {rows.map((event) => (
            <li key={event.id} data-type={str(event['type'])}>
              <span className={`dot dot-${str(event['type']).split('.').pop()}`} aria-hidden="true" />
              <div>
                <a href={href(`events/${event.id}`)}>{describe(event)}</a>
                <div className="muted small">
                  <Mono>{str(event['type'])}</Mono> · {when(event['created'])}
                </div>
              </div>
            </li>
          ))}
        </ol>
      )}
      {events.data && !events.data.complete ? (
        <p className="muted small">Older events beyond the scanned range are not shown.</p>
      ) : null}
    </Section>
  );
}

function readerOf(data: PaymentData): string {
  for (const charge of data.charges) {
    const reader = str(chargeCard(charge)?.['reader']);
    if (reader) return reader;
  }
  return '';
}

export function PaymentDetail({ id, chargeId }: { id?: string; chargeId?: string }) {
  // A charge id leads to its PaymentIntent.
  const [resolved, setResolved] = useState<{ id?: string; error?: unknown }>({ ...(id ? { id } : {}) });
  useEffect(() => {
    if (id) {
      setResolved({ id });
      return;
    }
    if (!chargeId) return;
    get(`/v1/charges/${encodeURIComponent(chargeId)}`).then(
      (charge) => {
        const pi = str(charge['payment_intent']);
        if (pi) navigate(`payments/${pi}`);
        else setResolved({ error: new Error('This charge has no PaymentIntent.') });
      },
      (error: unknown) => setResolved({ error }),
    );
  }, [id, chargeId]);
  if (resolved.error) return <ErrorBanner error={resolved.error} />;
  return resolved.id ? <PaymentPage id={resolved.id} /> : <Empty>Loading…</Empty>;
}

function PaymentPage({ id }: { id: string }) {
  const loaded = useLoad(() => loadPayment(id), [id]);
  const [dialog, setDialog] = useState<'capture' | 'refund' | 'cancel' | null>(null);
  if (!loaded.data) {
    return (
      <>
        <PageHeader
          title={
            <a href={href('payments')} className="back">
              ← Payments
            </a>
          }
        />
        {loaded.error ? <ErrorBanner error={loaded.error} /> : <Empty>Loading…</Empty>}
      </>
    );
  }
  const data = loaded.data;
  const { pi } = data;
  const status = str(pi['status']);
  const currency = str(pi['currency']);
  const charge =
    data.charges.find((c) => c.id === (pick(pi, 'latest_charge.id') ?? pi['latest_charge'])) ?? data.charges[0];
  // What is left to refund: the charge less everything counted as refunded (a partial capture's
  // released part included), as the server computes it.
  const refundable =
    status === 'succeeded' && charge?.['captured'] === true
      ? Number(charge['amount']) - Number(charge['amount_refunded'])
      : 0;
  const cancelable = [
    'requires_payment_method',
    'requires_capture',
    'requires_confirmation',
    'requires_action',
    'processing',
  ].includes(status);
  const card = chargeCard(charge);
  const reader = readerOf(data);
  const receipt = card?.['receipt'] as Record<string, unknown> | null | undefined;
  const done = () => {
    setDialog(null);
    loaded.reload();
  };
  return (
    <>
      <PageHeader
        title={
          <>
            <a href={href('payments')} className="back">
              ← Payments
            </a>
            <span className="headline">
              <span data-testid="payment-amount">{money(pi['amount'], currency)}</span> <PaymentStatus pi={pi} />
            </span>
          </>
        }
        subtitle={<Mono>{pi.id}</Mono>}
        actions={
          <>
            {status === 'requires_capture' ? (
              <button
                type="button"
                className="btn btn-primary"
                data-action="capture"
                onClick={() => setDialog('capture')}
              >
                Capture
              </button>
            ) : null}
            {refundable > 0 ? (
              <button type="button" className="btn" data-action="refund" onClick={() => setDialog('refund')}>
                Refund
              </button>
            ) : null}
            {cancelable ? (
              <button type="button" className="btn btn-danger" data-action="cancel" onClick={() => setDialog('cancel')}>
                Cancel payment
              </button>
            ) : null}
          </>
        }
      />
      <ErrorBanner error={loaded.error} />
      <div className="grid-2">
        <Section title="Payment details">
          <Details
            items={[
              ['Amount', money(pi['amount'], currency)],
              ['Amount capturable', money(pi['amount_capturable'], currency)],
              ['Amount received', money(pi['amount_received'], currency)],
              ['Refunded', charge ? money(refundedByRefunds(charge), currency) : null],
              ['Status', <Badge status={status} />],
              ['Capture method', str(pi['capture_method'])],
              ['Payment methods', (pi['payment_method_types'] as string[] | undefined)?.join(', ')],
              [
                'Description',
                <span className="user-text" data-testid="description">
                  {str(pi['description'])}
                </span>,
              ],
              ['Created', when(pi['created'])],
              [
                'Canceled',
                pi['canceled_at']
                  ? `${when(pi['canceled_at'])} (${str(pi['cancellation_reason']) || 'no reason'})`
                  : null,
              ],
              ['Last error', str(pick(pi, 'last_payment_error.message'))],
            ]}
          />
        </Section>
        <Section title="Payment method">
          <Details
            items={[
              ['Card', <CardLabel charge={charge} />],
              ['Type', str(pick(charge, 'payment_method_details.type'))],
              ['Expires', card ? `${str(card['exp_month'])}/${str(card['exp_year'])}` : null],
              ['Funding', str(card?.['funding'])],
              ['Read method', str(card?.['read_method']).replace(/_/g, ' ')],
              [
                'Reader',
                reader ? (
                  <a href={href(`terminal/readers/${reader}`)}>
                    <Mono>{reader}</Mono>
                  </a>
                ) : null,
              ],
              ['Location', str(card?.['location'])],
              ['Authorization code', str(charge?.['authorization_code'])],
            ]}
          />
        </Section>
      </div>
      <Timeline pi={pi} />
      <Section title="Charges">
        <Table
          rows={data.charges}
          empty="No charge yet."
          columns={[
            { label: 'Amount', cell: (c) => money(c['amount'], c['currency']) },
            { label: 'Status', cell: (c) => <Badge status={str(c['status'])} /> },
            { label: 'Captured', cell: (c) => money(c['amount_captured'], c['currency']), secondary: true },
            { label: 'Refunded', cell: (c) => money(refundedByRefunds(c), c['currency']) },
            { label: 'Card', cell: (c) => <CardLabel charge={c} />, secondary: true },
            {
              label: 'Outcome',
              cell: (c) => str(c['failure_message']) || str(pick(c, 'outcome.seller_message')),
              secondary: true,
            },
            { label: 'ID', cell: (c) => <Mono>{c.id}</Mono>, secondary: true },
          ]}
        />
      </Section>
      <Section title="Refunds" testId="refunds">
        <Table
          rows={data.refunds}
          empty="No refunds."
          testId="refunds-table"
          columns={[
            { label: 'Amount', cell: (r) => money(r['amount'], r['currency']) },
            { label: 'Status', cell: (r) => <Badge status={str(r['status'])} /> },
            { label: 'Reason', cell: (r) => str(r['reason']).replace(/_/g, ' ') || '—', secondary: true },
            { label: 'ID', cell: (r) => <Mono>{r.id}</Mono>, secondary: true },
            { label: 'Created', cell: (r) => when(r['created']) },
          ]}
        />
      </Section>
      {receipt ? (
        <Section title="Receipt">
          <Details items={Object.entries(receipt).map(([key, value]) => [titleCase(key), str(value)])} />
        </Section>
      ) : null}
      <Section title="Metadata">
        <Metadata metadata={pi['metadata']} />
      </Section>
      <CaptureDialog open={dialog === 'capture'} pi={pi} onClose={() => setDialog(null)} onDone={done} />
      <RefundDialog
        open={dialog === 'refund'}
        pi={pi}
        refundable={refundable}
        onClose={() => setDialog(null)}
        onDone={done}
      />
      <CancelDialog open={dialog === 'cancel'} pi={pi} onClose={() => setDialog(null)} onDone={done} />
    </>
  );
}

interface DialogProps {
  open: boolean;
  pi: Obj;
  onClose: () => void;
  onDone: () => void;
}

function AmountForm({
  currency,
  initial,
  max,
  submitLabel,
  onSubmit,
  children,
}: {
  currency: string;
  initial: number;
  max: number;
  submitLabel: string;
  onSubmit: (amount: number) => Promise<unknown>;
  children?: ReactNode;
}) {
  const [text, setText] = useState(amountInput(initial, currency));
  const action = useAction();
  const amount = parseAmount(text, currency);
  const invalid = amount === null || amount <= 0 || amount > max;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (amount !== null && !invalid) void action.run(() => onSubmit(amount));
  };
  return (
    <form className="dialog-body" onSubmit={submit}>
      <TextField
        label={`Amount (${currency.toUpperCase()}, at most ${money(max, currency)})`}
        name="amount"
        value={text}
        onChange={setText}
        inputMode="decimal"
        autoFocus
      />
      {children}
      {invalid && text ? (
        <p className="field-error">
          Enter an amount between {money(1, currency)} and {money(max, currency)}.
        </p>
      ) : null}
      <ErrorBanner error={action.error} />
      <div className="dialog-actions">
        <button type="submit" className="btn btn-primary" disabled={invalid || action.busy} data-action="submit">
          {action.busy ? 'Working…' : submitLabel}
        </button>
      </div>
    </form>
  );
}

function CaptureDialog({ open, pi, onClose, onDone }: DialogProps) {
  const currency = str(pi['currency']);
  const capturable = Number(pi['amount_capturable']);
  return (
    <Dialog title="Capture payment" open={open} onClose={onClose}>
      <AmountForm
        currency={currency}
        initial={capturable}
        max={capturable}
        submitLabel="Capture"
        onSubmit={async (amount) => {
          await post(`/v1/payment_intents/${pi.id}/capture`, { amount_to_capture: amount });
          onDone();
        }}
      >
        <p className="muted small">Capturing less than the authorized amount releases the rest to the cardholder.</p>
      </AmountForm>
    </Dialog>
  );
}

function RefundDialog({ open, pi, refundable, onClose, onDone }: DialogProps & { refundable: number }) {
  const currency = str(pi['currency']);
  const [reason, setReason] = useState('requested_by_customer');
  return (
    <Dialog title="Refund payment" open={open} onClose={onClose}>
      <AmountForm
        currency={currency}
        initial={refundable}
        max={refundable}
        submitLabel="Refund"
        onSubmit={async (amount) => {
          await post('/v1/refunds', { payment_intent: pi.id, amount, reason });
          onDone();
        }}
      >
        <Select
          label="Reason"
          value={reason}
          onChange={setReason}
          name="reason"
          options={[
            ['requested_by_customer', 'Requested by customer'],
            ['duplicate', 'Duplicate'],
            ['fraudulent', 'Fraudulent'],
          ]}
        />
      </AmountForm>
    </Dialog>
  );
}

function CancelDialog({ open, pi, onClose, onDone }: DialogProps) {
  const [reason, setReason] = useState('requested_by_customer');
  const action = useAction();
  return (
    <Dialog title="Cancel payment" open={open} onClose={onClose}>
      <form
        className="dialog-body"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            await post(`/v1/payment_intents/${pi.id}/cancel`, { cancellation_reason: reason });
            onDone();
          });
        }}
      >
        <p>
          The payment of {money(pi['amount'], pi['currency'])} is canceled; an authorization is released. This cannot be
          undone.
        </p>
        <Select
          label="Reason"
          value={reason}
          onChange={setReason}
          name="cancellation_reason"
          options={[
            ['requested_by_customer', 'Requested by customer'],
            ['duplicate', 'Duplicate'],
            ['fraudulent', 'Fraudulent'],
            ['abandoned', 'Abandoned'],
          ]}
        />
        <ErrorBanner error={action.error} />
        <div className="dialog-actions">
          <button type="submit" className="btn btn-danger" disabled={action.busy} data-action="submit">
            {action.busy ? 'Canceling…' : 'Cancel payment'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
