/** Developers: API keys (the secret one revealed only on request), the test clock, data reset. */
import { useState } from 'react';
import { ApiError, get, post, request } from '../api.js';
import { Details, Empty, ErrorBanner, Mono, PageHeader, Section, Select, useAction } from '../components.js';
import { str, whenMs } from '../format.js';
import { useLoad } from '../hooks.js';
import type { Session } from '../session.js';

function SecretKey({ session }: { session: Session }) {
  const [secret, setSecret] = useState('');
  const action = useAction();
  const [missing, setMissing] = useState(false);
  const reveal = () =>
    void action.run(async () => {
      try {
        const result = await request<{ secret_key: string }>(
          'POST',
          '/opentill/dashboard/reveal_secret_key',
          {},
          { json: true },
        );
        setSecret(result.secret_key);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) {
          setMissing(true);
          return;
        }
        throw error;
      }
    });
  return (
    <>
      <span className="key-row">
        <Mono>
          <span data-testid="secret-key">{secret || `sk_test_••••••••••••${session.secret_key_last4}`}</span>
        </Mono>
        {secret ? (
          <button type="button" className="btn btn-small" onClick={() => setSecret('')}>
            Hide
          </button>
        ) : (
          <button type="button" className="btn btn-small" data-action="reveal" disabled={action.busy} onClick={reveal}>
            Reveal
          </button>
        )}
      </span>
      {missing ? <p className="muted small">This server cannot show the key again: it keeps only its hash.</p> : null}
      <ErrorBanner error={action.error} />
    </>
  );
}

const advances: Array<[string, string]> = [
  ['3600', '1 hour'],
  ['86400', '1 day'],
  ['604800', '7 days'],
  ['2592000', '30 days'],
];

function TestClock() {
  const clock = useLoad(() => get('/opentill/v1/test/clock'), []);
  const [seconds, setSeconds] = useState('86400');
  const action = useAction();
  const offset = Number(clock.data?.['offset_seconds'] ?? 0);
  return (
    <Section title="Test clock" testId="test-clock">
      <p className="muted small">
        Moves this account’s time forward: authorizations expire, scheduled retries and deadlines fall due.
      </p>
      <ErrorBanner error={clock.error} />
      {clock.data ? (
        <Details
          items={[
            [
              'Account time',
              <span data-testid="clock-time">
                {whenMs(Number(clock.data['frozen_time']) * 1000, true).replace(/\.\d{3}$/, '')}
              </span>,
            ],
            [
              'Offset',
              <span data-testid="clock-offset">
                {offset === 0 ? 'none (wall clock)' : `+${formatDuration(offset)}`}
              </span>,
            ],
          ]}
        />
      ) : (
        <Empty>Loading…</Empty>
      )}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            await post('/opentill/v1/test/clock/advance', { seconds: Number(seconds) });
            clock.reload();
          });
        }}
      >
        <Select label="Advance by" value={seconds} onChange={setSeconds} name="seconds" options={advances} />
        <button type="submit" className="btn btn-primary" disabled={action.busy} data-action="advance-clock">
          Advance
        </button>
      </form>
      <ErrorBanner error={action.error} />
    </Section>
  );
}

function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', !d && !h && !m ? `${seconds}s` : '']
    .filter(Boolean)
    .join(' ');
}

function DataReset() {
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState('');
  const action = useAction();
  const reset = () =>
    void action.run(async () => {
      try {
        const result = await post<{ deleted?: { objects?: number; webhook_deliveries?: number } }>(
          '/opentill/v1/test/reset',
        );
        setDone(
          `Test data deleted: ${result.deleted?.objects ?? 0} objects, ${result.deleted?.webhook_deliveries ?? 0} webhook deliveries.`,
        );
      } catch (error) {
        if (error instanceof ApiError && error.status === 404 && !str(error.error.code).startsWith('resource')) {
          setDone('This server version has no data reset.');
          return;
        }
        throw error;
      } finally {
        setConfirming(false);
      }
    });
  return (
    <Section title="Delete test data" testId="data-reset">
      <p className="muted small">
        Deletes this account’s payments, readers, locations, webhook endpoints, events and deliveries. The API keys and
        the test clock stay.
      </p>
      {confirming ? (
        <div className="inline-form">
          <span>Delete all test data of this account?</span>
          <button
            type="button"
            className="btn btn-danger"
            disabled={action.busy}
            data-action="confirm-reset"
            onClick={reset}
          >
            Yes, delete
          </button>
          <button type="button" className="btn" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </div>
      ) : (
        <button
          type="button"
          className="btn btn-danger"
          data-action="reset"
          onClick={() => {
            setDone('');
            setConfirming(true);
          }}
        >
          Delete test data…
        </button>
      )}
      <ErrorBanner error={action.error} />
      {done ? (
        <p className="banner" role="status">
          {done}
        </p>
      ) : null}
    </Section>
  );
}

export function Developers({ session }: { session: Session }) {
  return (
    <>
      <PageHeader title="Developers" subtitle="API keys, the test clock and test data." />
      <Section title="API keys" testId="api-keys">
        <Details
          items={[
            ['Account', <Mono>{session.account}</Mono>],
            [
              'Publishable key',
              <Mono>
                <span data-testid="publishable-key">{session.publishable_key}</span>
              </Mono>,
            ],
            ['Secret key', <SecretKey session={session} />],
          ]}
        />
      </Section>
      <TestClock />
      <DataReset />
    </>
  );
}
