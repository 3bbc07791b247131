/** Webhooks: endpoints (create, disable, roll secret) and each endpoint's delivery attempts. */
import { useState, type FormEvent } from 'react';
import { get, post, type Obj } from '../api.js';
import {
  Badge,
  Details,
  Empty,
  ErrorBanner,
  IdSearch,
  ListView,
  Metadata,
  Mono,
  PageHeader,
  Section,
  Select,
  TextField,
  Toolbar,
  useAction,
} from '../components.js';
import { str, when } from '../format.js';
import { href, navigate, useLoad, usePagedList } from '../hooks.js';
import { AttemptsTable, loadAttempts } from './deliveries.js';

export function Webhooks() {
  const list = usePagedList<Obj>('/v1/webhook_endpoints', {}, 20);
  return (
    <>
      <PageHeader title="Webhooks" subtitle="Endpoints OpenTill sends events to, signed like Stripe's." />
      <CreateEndpoint />
      <Toolbar>
        <IdSearch placeholder="Find an endpoint by id (we_…)" route={(id) => `webhooks/${id}`} pattern={/^we_\w+$/} />
      </Toolbar>
      <ListView
        list={list}
        link={(e) => `webhooks/${e.id}`}
        testId="webhook-endpoints"
        empty="No webhook endpoints yet."
        columns={[
          { label: 'URL', cell: (e) => <span className="user-text url">{str(e['url'])}</span> },
          { label: 'Status', cell: (e) => <Badge status={str(e['status'])} /> },
          {
            label: 'Events',
            cell: (e) => ((e['enabled_events'] as string[] | undefined) ?? []).join(', '),
            secondary: true,
          },
          {
            label: 'Description',
            cell: (e) => <span className="user-text">{str(e['description'])}</span>,
            secondary: true,
          },
          { label: 'Created', cell: (e) => when(e['created']), secondary: true },
        ]}
      />
    </>
  );
}

function SecretOnce({ secret }: { secret: string }) {
  return (
    <div className="banner banner-ok" role="status">
      Signing secret (shown once, copy it now): <Mono>{secret}</Mono>
    </div>
  );
}

function CreateEndpoint() {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState('*');
  const [description, setDescription] = useState('');
  const action = useAction();
  const [created, setCreated] = useState<Obj | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () => {
      const endpoint = await post('/v1/webhook_endpoints', {
        url: url.trim(),
        enabled_events: events.split(/[\s,]+/).filter(Boolean),
        ...(description.trim() ? { description: description.trim() } : {}),
      });
      setCreated(endpoint);
      setUrl('');
      setDescription('');
    });
  };
  return (
    <Section title="Add an endpoint" testId="create-endpoint">
      <form className="inline-form" onSubmit={submit}>
        <TextField
          label="Endpoint URL"
          name="url"
          type="url"
          value={url}
          onChange={setUrl}
          placeholder="https://example.com/webhooks"
          required
        />
        <TextField
          label="Events"
          name="enabled_events"
          value={events}
          onChange={setEvents}
          placeholder="* or payment_intent.succeeded, …"
          required
        />
        <TextField label="Description" name="description" value={description} onChange={setDescription} />
        <button type="submit" className="btn btn-primary" disabled={action.busy} data-action="create-endpoint">
          Add endpoint
        </button>
      </form>
      <ErrorBanner error={action.error} />
      {created ? (
        <>
          <p className="muted small">
            Created{' '}
            <a href={href(`webhooks/${created.id}`)}>
              <Mono>{created.id}</Mono>
            </a>
            .
          </p>
          {created['secret'] ? <SecretOnce secret={str(created['secret'])} /> : null}
        </>
      ) : null}
    </Section>
  );
}

export function WebhookEndpointDetail({ id }: { id: string }) {
  const endpoint = useLoad(() => get(`/v1/webhook_endpoints/${encodeURIComponent(id)}`), [id]);
  const attempts = useLoad(() => loadAttempts({ endpoint: id }), [id]);
  const toggle = useAction();
  const roll = useAction();
  const fault = useAction();
  const [rolled, setRolled] = useState('');
  const [grace, setGrace] = useState('0');
  const [faultMode, setFaultMode] = useState('none');
  const data = endpoint.data;
  const disabled = data?.['status'] === 'disabled';
  return (
    <>
      <PageHeader
        title={
          <>
            <a href={href('webhooks')} className="back">
              ← Webhooks
            </a>
            <span className="headline">
              <span className="user-text url" data-testid="endpoint-url">
                {data ? str(data['url']) : id}
              </span>
              {data ? <Badge status={str(data['status'])} /> : null}
            </span>
          </>
        }
        subtitle={<Mono>{id}</Mono>}
        actions={
          data ? (
            <button
              type="button"
              className={`btn ${disabled ? 'btn-primary' : 'btn-danger'}`}
              data-action={disabled ? 'enable' : 'disable'}
              disabled={toggle.busy}
              onClick={() => {
                void toggle.run(async () => {
                  await post(`/v1/webhook_endpoints/${id}`, { disabled: !disabled });
                  endpoint.reload();
                });
              }}
            >
              {disabled ? 'Enable' : 'Disable'}
            </button>
          ) : null
        }
      />
      <ErrorBanner error={endpoint.error ?? toggle.error} />
      {data ? (
        <>
          <Section
            title="Delivery attempts"
            testId="endpoint-attempts"
            actions={
              <button type="button" className="btn btn-small" onClick={attempts.reload}>
                Refresh
              </button>
            }
          >
            <ErrorBanner error={attempts.error} />
            {attempts.data ? (
              <AttemptsTable attempts={attempts.data} show="event" onResent={attempts.reload} testId="attempts" />
            ) : (
              <Empty>Loading…</Empty>
            )}
          </Section>
          <div className="grid-2">
            <Section title="Endpoint">
              <Details
                items={[
                  ['URL', <span className="user-text url">{str(data['url'])}</span>],
                  ['Status', <Badge status={str(data['status'])} />],
                  ['Events', ((data['enabled_events'] as string[] | undefined) ?? []).join(', ')],
                  ['API version', str(data['api_version'])],
                  ['Description', <span className="user-text">{str(data['description'])}</span>],
                  ['Created', when(data['created'])],
                ]}
              />
            </Section>
            <Section title="Signing secret" testId="roll-secret">
              <p className="muted small">
                Rolling makes a new secret; the old one can keep signing for a grace period so receivers can switch
                over.
              </p>
              <form
                className="inline-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  void roll.run(async () => {
                    const result = await post(`/opentill/v1/webhook_endpoints/${id}/roll_secret`, {
                      expires_in_seconds: Number(grace),
                    });
                    setRolled(str(result['secret']));
                    endpoint.reload();
                  });
                }}
              >
                <Select
                  label="Old secret expires"
                  value={grace}
                  onChange={setGrace}
                  name="expires_in_seconds"
                  options={[
                    ['0', 'Now'],
                    ['3600', 'In 1 hour'],
                    ['86400', 'In 24 hours'],
                  ]}
                />
                <button type="submit" className="btn" disabled={roll.busy} data-action="roll-secret">
                  Roll secret
                </button>
              </form>
              <ErrorBanner error={roll.error} />
              {rolled ? <SecretOnce secret={rolled} /> : null}
              <h3 className="sub-title">Test: delivery fault</h3>
              <form
                className="inline-form"
                onSubmit={(e) => {
                  e.preventDefault();
                  void fault.run(async () => {
                    await post(
                      `/opentill/v1/test/webhook_endpoints/${id}/fault`,
                      faultMode === 'delay' ? { mode: 'delay', delay_seconds: 30 } : { mode: faultMode },
                    );
                  });
                }}
              >
                <Select
                  label="Fault"
                  value={faultMode}
                  onChange={setFaultMode}
                  name="fault"
                  options={[
                    ['none', 'None'],
                    ['drop', 'Drop deliveries'],
                    ['delay', 'Delay 30 s'],
                  ]}
                />
                <button type="submit" className="btn" disabled={fault.busy}>
                  Apply
                </button>
              </form>
              <ErrorBanner error={fault.error} />
            </Section>
          </div>
          <Section title="Metadata">
            <Metadata metadata={data['metadata']} />
          </Section>
        </>
      ) : null}
      {endpoint.error ? (
        <p>
          <button type="button" className="btn" onClick={() => navigate('webhooks')}>
            Back to webhooks
          </button>
        </p>
      ) : null}
    </>
  );
}
