/** The request log: every API request of the account, with its parameters and response body. */
import { useState } from 'react';
import { ApiError, get, type Obj } from '../api.js';
import {
  Badge,
  Details,
  Empty,
  Id,
  ErrorBanner,
  JsonView,
  ListView,
  Mono,
  PageHeader,
  Section,
  Select,
  TextField,
  Toolbar,
} from '../components.js';
import { str, whenMs } from '../format.js';
import { href, useLoad, usePagedList } from '../hooks.js';

const logPath = '/opentill/v1/request_log';

function StatusBadge({ status }: { status: unknown }) {
  const code = Number(status);
  return <Badge status={`${Math.floor(code / 100)}xx`} label={String(code)} />;
}

function NotAvailable({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.status === 404 && !error.error.code?.startsWith('resource')) {
    return <div className="banner">The request log is not available on this server version.</div>;
  }
  return <ErrorBanner error={error} />;
}

export function RequestLog() {
  const [status, setStatus] = useState('');
  const [method, setMethod] = useState('');
  const [path, setPath] = useState('');
  const [q, setQ] = useState('');
  const params: Record<string, unknown> = {
    ...(status ? { status } : {}),
    ...(method ? { method } : {}),
    ...(path.trim() ? { path: path.trim() } : {}),
    ...(q.trim() ? { q: q.trim() } : {}),
  };
  const list = usePagedList<Obj>(logPath, params, 25);
  return (
    <>
      <PageHeader title="Request log" subtitle="Every API request of this account, from any client." />
      <Toolbar>
        <Select
          label="Status"
          value={status}
          onChange={setStatus}
          name="status"
          options={[
            ['', 'All'],
            ['2xx', 'Succeeded (2xx)'],
            ['4xx', 'Failed (4xx)'],
            ['5xx', 'Errors (5xx)'],
          ]}
        />
        <Select
          label="Method"
          value={method}
          onChange={setMethod}
          name="method"
          options={[
            ['', 'All'],
            ['GET', 'GET'],
            ['POST', 'POST'],
            ['DELETE', 'DELETE'],
          ]}
        />
        <TextField label="Path" name="path" value={path} onChange={setPath} placeholder="/v1/payment_intents" />
        <TextField label="Request or idempotency key" name="q" value={q} onChange={setQ} placeholder="req_… or key" />
      </Toolbar>
      {list.error ? <NotAvailable error={list.error} /> : null}
      <ListView
        list={{ ...list, error: null }}
        link={(r) => `logs/${r.id}`}
        testId="request-log"
        empty="No requests match."
        columns={[
          { label: 'Status', cell: (r) => <StatusBadge status={r['status']} /> },
          { label: 'Method', cell: (r) => <Mono>{str(r['method'])}</Mono> },
          { label: 'Path', cell: (r) => <code className="mono wrap-any">{str(r['path'])}</code> },
          {
            label: 'Error',
            cell: (r) =>
              str(
                (r['error'] as Record<string, unknown> | null)?.['code'] ??
                  (r['error'] as Record<string, unknown> | null)?.['type'],
              ) || '—',
            secondary: true,
          },
          { label: 'Request-Id', cell: (r) => <Id id={r.id} />, secondary: true },
          {
            label: 'Idempotency key',
            cell: (r) =>
              r['idempotency_key'] ? (
                <span className="nowrap">
                  <Id id={str(r['idempotency_key'])} />
                  {r['replayed'] ? (
                    <>
                      {' '}
                      <Badge status="pending" label="replayed" />
                    </>
                  ) : null}
                </span>
              ) : (
                '—'
              ),
            secondary: true,
          },
          { label: 'Source', cell: (r) => str(r['source']), secondary: true },
          { label: 'Duration', cell: (r) => `${str(r['duration_ms'])} ms`, secondary: true, align: 'right' },
          { label: 'Time', cell: (r) => whenMs(r['created']) },
        ]}
      />
    </>
  );
}

export function RequestLogDetail({ id }: { id: string }) {
  const entry = useLoad(() => get(`${logPath}/${encodeURIComponent(id)}`), [id], { live: false });
  const data = entry.data;
  const error = data?.['error'] as Record<string, unknown> | null | undefined;
  return (
    <>
      <PageHeader
        title={
          <>
            <a href={href('logs')} className="back">
              ← Request log
            </a>
            <span className="headline">
              {data ? (
                <>
                  <Mono>
                    {str(data['method'])} {str(data['path'])}
                  </Mono>{' '}
                  <StatusBadge status={data['status']} />
                </>
              ) : (
                <Mono>{id}</Mono>
              )}
            </span>
          </>
        }
        subtitle={<Mono>{id}</Mono>}
      />
      {entry.error ? <NotAvailable error={entry.error} /> : null}
      {data ? (
        <>
          <Section title="Request">
            <Details
              items={[
                ['Request-Id', <Mono>{data.id}</Mono>],
                ['Time', whenMs(data['created'], true)],
                ['Method', <Mono>{str(data['method'])}</Mono>],
                ['Path', <Mono>{str(data['path'])}</Mono>],
                ['Status', <StatusBadge status={data['status']} />],
                [
                  'Idempotency key',
                  data['idempotency_key'] ? (
                    <>
                      <Mono>{str(data['idempotency_key'])}</Mono>
                      {data['replayed'] ? (
                        <>
                          {' '}
                          <Badge status="pending" label="replayed" />
                        </>
                      ) : null}
                    </>
                  ) : null,
                ],
                ['Error', error ? `${str(error['type'])}${error['code'] ? ` / ${str(error['code'])}` : ''}` : null],
                ['Duration', `${str(data['duration_ms'])} ms`],
                ['Source', str(data['source'])],
              ]}
            />
          </Section>
          <div className="grid-2">
            <Section title="Request parameters">
              <JsonView value={data['request_params'] ?? {}} testId="request-params" />
            </Section>
            <Section title="Response body">
              <JsonView value={data['response_body'] ?? null} testId="response-body" />
            </Section>
          </div>
        </>
      ) : entry.error ? null : (
        <Empty>Loading…</Empty>
      )}
    </>
  );
}
