/** Webhook deliveries and their attempts, shared by the event page and the endpoint page. */
import { get, post, type ListEnvelope, type Obj } from '../api.js';
import { Badge, ErrorBanner, Mono, Table, useAction } from '../components.js';
import { str, whenMs } from '../format.js';
import { href } from '../hooks.js';

/** The attempt log rows carry no id: one is made of delivery + attempt number. */
export type Attempt = Obj & { delivery: string; event: string; endpoint: string };

export async function loadAttempts(filter: { event?: string; endpoint?: string }): Promise<Attempt[]> {
  const list = await get<ListEnvelope<Record<string, unknown>>>('/opentill/v1/webhook_attempts', {
    ...filter,
    limit: 100,
  });
  return list.data.map((a) => ({ ...a, id: `${str(a['delivery'])}#${str(a['attempt'])}` }) as Attempt);
}

export function ResendButton({ event, endpoint, onDone }: { event: string; endpoint: string; onDone: () => void }) {
  const action = useAction();
  return (
    <span className="resend">
      <button
        type="button"
        className="btn btn-small"
        data-action="resend"
        disabled={action.busy}
        onClick={() => {
          void action.run(async () => {
            await post(`/opentill/v1/events/${encodeURIComponent(event)}/resend`, { endpoint });
            onDone();
          });
        }}
      >
        {action.busy ? 'Sending…' : 'Resend'}
      </button>
      {action.error ? <ErrorBanner error={action.error} /> : null}
    </span>
  );
}

function statusOf(attempt: Attempt): string {
  const code = attempt['http_status'];
  if (typeof code === 'number') return `${Math.floor(code / 100)}xx`;
  return 'failed';
}

/** The attempts table: which endpoint or event each was (the other is fixed by the page). */
export function AttemptsTable({
  attempts,
  show,
  onResent,
  testId,
}: {
  attempts: Attempt[];
  show: 'event' | 'endpoint';
  onResent: () => void;
  testId?: string;
}) {
  return (
    <Table
      rows={attempts}
      testId={testId}
      empty="No delivery attempts yet."
      columns={[
        {
          label: 'Result',
          cell: (a) => (
            <Badge
              status={statusOf(a)}
              label={typeof a['http_status'] === 'number' ? String(a['http_status']) : 'No response'}
            />
          ),
        },
        show === 'event'
          ? {
              label: 'Event',
              cell: (a) => (
                <a href={href(`events/${a.event}`)}>
                  <Mono>{a.event}</Mono>
                </a>
              ),
            }
          : {
              label: 'Endpoint',
              cell: (a) => (
                <a href={href(`webhooks/${a.endpoint}`)}>
                  <Mono>{a.endpoint}</Mono>
                </a>
              ),
            },
        { label: 'Attempt', cell: (a) => `#${str(a['attempt'])}`, secondary: true },
        {
          label: 'Latency',
          cell: (a) => (typeof a['latency_ms'] === 'number' ? `${a['latency_ms']} ms` : '—'),
          align: 'right',
        },
        {
          label: 'Response',
          cell: (a) => (
            <span className="excerpt user-text" data-testid="response-excerpt">
              {str(a['response_excerpt']) || str(a['error']) || '—'}
            </span>
          ),
          secondary: true,
        },
        {
          label: 'Next retry',
          cell: (a) => (typeof a['next_retry_at'] === 'number' ? whenMs(Number(a['next_retry_at']) * 1000) : '—'),
          secondary: true,
        },
        { label: 'When', cell: (a) => whenMs(a['attempted_at_ms']) },
        { label: '', cell: (a) => <ResendButton event={a.event} endpoint={a.endpoint} onDone={onResent} /> },
      ]}
    />
  );
}
