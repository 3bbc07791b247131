/** Events: the list (by type, by delivery) and one event's JSON with its webhook deliveries. */
import { useState } from 'react';
import { get, type ListEnvelope, type Obj } from '../api.js';
import {
  Details,
  ErrorBanner,
  IdSearch,
  JsonView,
  ListView,
  Mono,
  PageHeader,
  Section,
  Select,
  Table,
  Badge,
  TextField,
  Toolbar,
  Empty,
} from '../components.js';
import { pick, str, when, whenMs } from '../format.js';
import { href, useLoad, usePagedList } from '../hooks.js';
import { AttemptsTable, loadAttempts, ResendButton } from './deliveries.js';

export function Events() {
  const [type, setType] = useState('');
  const [delivery, setDelivery] = useState('');
  const typeValid = /^[a-z_.*]*$/.test(type.trim());
  const params: Record<string, unknown> = {
    ...(type.trim() && typeValid ? { type: type.trim() } : {}),
    ...(delivery ? { delivery_success: delivery } : {}),
  };
  const list = usePagedList<Obj>('/v1/events', params, 25);
  return (
    <>
      <PageHeader title="Events" subtitle="Everything that happened in the account, kept 30 days." />
      <Toolbar>
        <TextField
          label="Type"
          name="type"
          value={type}
          onChange={setType}
          placeholder="payment_intent.* or charge.refunded"
        />
        <Select
          label="Webhooks"
          value={delivery}
          onChange={setDelivery}
          name="delivery_success"
          options={[
            ['', 'All'],
            ['true', 'Delivered'],
            ['false', 'Pending or failed'],
          ]}
        />
        <IdSearch placeholder="Find an event by id (evt_…)" route={(id) => `events/${id}`} pattern={/^evt_\w+$/} />
      </Toolbar>
      {!typeValid ? (
        <p className="field-error">Event types are lower-case words with dots; `*` matches the rest.</p>
      ) : null}
      <ListView
        list={list}
        link={(e) => `events/${e.id}`}
        testId="events"
        empty="No events match."
        columns={[
          { label: 'Event', cell: (e) => <Mono>{str(e['type'])}</Mono> },
          { label: 'Object', cell: (e) => <Mono>{str(pick(e, 'data.object.id'))}</Mono>, secondary: true },
          { label: 'ID', cell: (e) => <Mono>{e.id}</Mono>, secondary: true },
          { label: 'Created', cell: (e) => when(e['created']) },
        ]}
      />
    </>
  );
}

/** Where the event's object lives in the dashboard, if it has a page. */
function objectLink(object: Record<string, unknown> | undefined): string | null {
  const id = str(object?.['id']);
  if (id.startsWith('pi_')) return `payments/${id}`;
  if (id.startsWith('ch_')) return `payments/charge/${id}`;
  if (id.startsWith('tmr_')) return `terminal/readers/${id}`;
  const pi = str(object?.['payment_intent']);
  return pi ? `payments/${pi}` : null;
}

export function EventDetail({ id }: { id: string }) {
  const event = useLoad(() => get(`/v1/events/${encodeURIComponent(id)}`), [id]);
  const deliveries = useLoad(
    () => get<ListEnvelope<Obj>>('/opentill/v1/webhook_deliveries', { event: id, limit: 100 }),
    [id],
  );
  const attempts = useLoad(() => loadAttempts({ event: id }), [id]);
  const object = pick(event.data, 'data.object') as Record<string, unknown> | undefined;
  const link = objectLink(object);
  const reload = () => {
    deliveries.reload();
    attempts.reload();
  };
  return (
    <>
      <PageHeader
        title={
          <>
            <a href={href('events')} className="back">
              ← Events
            </a>
            <span className="headline">
              <Mono>{event.data ? str(event.data['type']) : id}</Mono>
            </span>
          </>
        }
        subtitle={<Mono>{id}</Mono>}
      />
      <ErrorBanner error={event.error} />
      {event.data ? (
        <>
          <Section title="Details">
            <Details
              items={[
                ['Type', <Mono>{str(event.data['type'])}</Mono>],
                ['Created', when(event.data['created'])],
                [
                  'Object',
                  link ? (
                    <a href={href(link)}>
                      <Mono>{str(object?.['id'])}</Mono>
                    </a>
                  ) : (
                    <Mono>{str(object?.['id'])}</Mono>
                  ),
                ],
                ['API version', str(event.data['api_version'])],
                ['Pending webhooks', str(event.data['pending_webhooks'])],
                [
                  'Request',
                  str(pick(event.data, 'request.id')) ? (
                    <a href={href(`logs/${str(pick(event.data, 'request.id'))}`)}>
                      <Mono>{str(pick(event.data, 'request.id'))}</Mono>
                    </a>
                  ) : null,
                ],
              ]}
            />
          </Section>
          <Section title="Webhook deliveries" testId="event-deliveries">
            <ErrorBanner error={deliveries.error} />
            {deliveries.data ? (
              <Table
                rows={deliveries.data.data}
                empty="This event was sent to no endpoint."
                columns={[
                  {
                    label: 'Endpoint',
                    cell: (d) => (
                      <a href={href(`webhooks/${str(d['endpoint'])}`)}>
                        <Mono>{str(d['endpoint'])}</Mono>
                      </a>
                    ),
                  },
                  { label: 'State', cell: (d) => <Badge status={str(d['state'])} /> },
                  { label: 'Attempts', cell: (d) => str(d['attempt_count']), secondary: true },
                  {
                    label: 'Last status',
                    cell: (d) => str(d['last_http_status']) || str(d['last_error']) || '—',
                    secondary: true,
                  },
                  {
                    label: 'Next attempt',
                    cell: (d) =>
                      typeof d['next_attempt_at'] === 'number' ? whenMs(Number(d['next_attempt_at']) * 1000) : '—',
                    secondary: true,
                  },
                  { label: '', cell: (d) => <ResendButton event={id} endpoint={str(d['endpoint'])} onDone={reload} /> },
                ]}
              />
            ) : (
              <Empty>Loading…</Empty>
            )}
            <h3 className="sub-title">Attempts</h3>
            <ErrorBanner error={attempts.error} />
            {attempts.data ? <AttemptsTable attempts={attempts.data} show="endpoint" onResent={reload} /> : null}
          </Section>
          <Section title="Event data">
            <JsonView value={event.data} testId="event-json" />
          </Section>
        </>
      ) : null}
    </>
  );
}
