/** The shell: session check, sign-in, the navigation, and the page the hash names. */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { errorText, onSignedOut } from './api.js';
import { ErrorBanner } from './components.js';
import { href, LiveContext, navigate, useRoute } from './hooks.js';
import { useLiveUpdates, type LiveMode } from './live.js';
import { loadSession, signIn, signOut, type Session } from './session.js';
import { PaymentDetail, Payments } from './pages/payments.js';
import { ReaderDetail, Terminal } from './pages/terminal.js';
import { EventDetail, Events } from './pages/events.js';
import { WebhookEndpointDetail, Webhooks } from './pages/webhooks.js';
import { RequestLog, RequestLogDetail } from './pages/request-log.js';
import { Developers } from './pages/developers.js';

const nav = [
  ['payments', 'Payments'],
  ['terminal', 'Terminal'],
  ['events', 'Events'],
  ['webhooks', 'Webhooks'],
  ['logs', 'Request log'],
  ['developers', 'Developers'],
] as const;

/** Where an id leads: the global search opens any object by its id. */
const routesByPrefix: Array<[RegExp, string]> = [
  [/^pi_/, 'payments'],
  [/^ch_/, 'payments/charge'],
  [/^tmr_/, 'terminal/readers'],
  [/^evt_/, 'events'],
  [/^we_/, 'webhooks'],
  [/^req_/, 'logs'],
];

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const refresh = useCallback(() => {
    loadSession().then(setSession, (e: unknown) => {
      setError(e);
      setSession(null);
    });
  }, []);
  useEffect(refresh, [refresh]);
  useEffect(() => onSignedOut(() => setSession(null)), []);
  if (session === undefined) return <div className="boot">Loading…</div>;
  if (session === null) return <SignIn onSignedIn={setSession} initialError={error} />;
  return <Shell session={session} onSignedOut={() => setSession(null)} />;
}

function SignIn({ onSignedIn, initialError }: { onSignedIn: (session: Session) => void; initialError: unknown }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(initialError);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(key.trim());
      setKey('');
      if (session) onSignedIn(session);
      else setError(new Error('Signed in, but the session did not start: are cookies allowed for this site?'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in" data-page="sign-in">
      <form
        className="sign-in-card"
        onSubmit={(e) => {
          void submit(e);
        }}
      >
        <div className="brand brand-large">
          <Logo /> OpenTill
        </div>
        <h1>Sign in to your dashboard</h1>
        <p className="muted">
          Open the one-time sign-in link that <code className="mono">opentill serve</code> printed when it started, or
          enter the account’s secret key.
        </p>
        <label className="field">
          <span>Secret key</span>
          <input
            name="secret_key"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="sk_test_…"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
          />
        </label>
        {error ? (
          <div className="banner banner-error" role="alert">
            {errorText(error)}
          </div>
        ) : null}
        <button className="btn btn-primary btn-block" type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="fine-print">The key is sent once to start a session; it is not kept in this browser.</p>
      </form>
    </main>
  );
}

function Logo() {
  return (
    <svg className="logo" viewBox="0 0 24 24" aria-hidden="true">
      <rect x="2" y="4" width="20" height="16" rx="4" fill="currentColor" />
      <rect x="5" y="8" width="9" height="2.4" rx="1.2" fill="#fff" />
      <rect x="5" y="12.6" width="6" height="2.4" rx="1.2" fill="#fff" opacity=".7" />
    </svg>
  );
}

const liveLabels: Record<LiveMode, string> = {
  stream: 'Live',
  events: 'Live (events)',
  polling: 'Auto-refresh',
  connecting: 'Connecting…',
};

function Shell({ session, onSignedOut: signedOut }: { session: Session; onSignedOut: () => void }) {
  const route = useRoute();
  const live = useLiveUpdates(true);
  const [signOutError, setSignOutError] = useState<unknown>(null);
  const section = route[0] ?? 'payments';
  // On a phone the navigation is a scrolling strip: keep the current page's tab in view.
  useEffect(() => {
    document.querySelector('.nav a.active')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [section]);
  const doSignOut = async () => {
    try {
      await signOut();
      window.location.hash = '';
      signedOut();
    } catch (e) {
      setSignOutError(e);
    }
  };
  return (
    <LiveContext.Provider value={live.version}>
      <div className="shell" data-live={live.mode}>
        <aside className="sidebar">
          <a className="brand" href={href('payments')}>
            <Logo /> OpenTill
          </a>
          <div className="account" title="Signed-in account">
            <span className="test-pill">Test mode</span>
            <code className="mono">{session.account}</code>
          </div>
          <nav className="nav" aria-label="Main">
            {nav.map(([path, label]) => (
              <a
                key={path}
                href={href(path)}
                className={section === path ? 'active' : ''}
                aria-current={section === path ? 'page' : undefined}
              >
                {label}
              </a>
            ))}
          </nav>
          <div className="sidebar-foot">
            <span className={`live-dot live-${live.mode}`} data-testid="live-mode">
              {liveLabels[live.mode]}
            </span>
            <button
              type="button"
              className="btn btn-ghost"
              data-action="sign-out"
              onClick={() => {
                void doSignOut();
              }}
            >
              Sign out
            </button>
          </div>
        </aside>
        <div className="main">
          <div className="topbar">
            <GlobalSearch />
          </div>
          <ErrorBanner error={signOutError} />
          <main className="content" data-page={section}>
            <Page route={route} session={session} />
          </main>
        </div>
      </div>
    </LiveContext.Provider>
  );
}

function GlobalSearch() {
  const [value, setValue] = useState('');
  const [message, setMessage] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const id = value.trim();
    const match = routesByPrefix.find(([pattern]) => pattern.test(id));
    if (!match) {
      setMessage('Search by an id: pi_, ch_, tmr_, evt_, we_ or req_…');
      return;
    }
    setMessage('');
    setValue('');
    navigate(`${match[1]}/${encodeURIComponent(id)}`);
  };
  return (
    <form className="global-search" role="search" onSubmit={submit}>
      <input
        type="search"
        aria-label="Search by id"
        placeholder="Search by id (pi_…, tmr_…, evt_…, req_…)"
        value={value}
        onChange={(e) => {
          setValue(e.target.value);
          setMessage('');
        }}
      />
      {message ? (
        <span className="search-hint" role="status">
          {message}
        </span>
      ) : null}
    </form>
  );
}

function Page({ route, session }: { route: string[]; session: Session }) {
  const [section = 'payments', a, b] = route;
  switch (section) {
    case 'payments':
      if (a === 'charge' && b) return <PaymentDetail chargeId={b} />;
      return a ? <PaymentDetail id={a} /> : <Payments />;
    case 'terminal':
      return a === 'readers' && b ? <ReaderDetail id={b} /> : <Terminal />;
    case 'events':
      return a ? <EventDetail id={a} /> : <Events />;
    case 'webhooks':
      return a ? <WebhookEndpointDetail id={a} /> : <Webhooks />;
    case 'logs':
      return a ? <RequestLogDetail id={a} /> : <RequestLog />;
    case 'developers':
      return <Developers session={session} />;
    default:
      return (
        <div className="empty">
          No such page. <a href={href('payments')}>Go to payments</a>
        </div>
      );
  }
}
