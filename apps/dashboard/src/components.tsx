/** The dashboard's building blocks. Everything renders text through React: nothing is ever HTML. */
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { errorText } from './api.js';
import { navigate, type PagedList } from './hooks.js';
import { str } from './format.js';

export function PageHeader({
  title,
  subtitle,
  actions,
}: {
  title: ReactNode;
  subtitle?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <header className="page-header">
      <div className="page-title">
        <h1>{title}</h1>
        {subtitle ? <div className="subtitle">{subtitle}</div> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

const tones: Record<string, string> = {
  succeeded: 'green',
  paid: 'green',
  online: 'green',
  enabled: 'green',
  delivered: 'green',
  '2xx': 'green',
  requires_capture: 'blue',
  processing: 'blue',
  in_progress: 'blue',
  pending: 'blue',
  '3xx': 'blue',
  requires_payment_method: 'grey',
  requires_confirmation: 'grey',
  requires_action: 'amber',
  canceled: 'grey',
  offline: 'grey',
  disabled: 'grey',
  failed: 'red',
  '4xx': 'amber',
  '5xx': 'red',
  refunded: 'purple',
  partially_refunded: 'purple',
};

/** Stripe Dashboard's words for PaymentIntent statuses. */
const statusLabels: Record<string, string> = {
  requires_payment_method: 'Incomplete',
  requires_capture: 'Uncaptured',
  requires_confirmation: 'Incomplete',
  requires_action: 'Requires action',
  partially_refunded: 'Partial refund',
};

export function Badge({ status, label }: { status: string; label?: string }) {
  return (
    <span className={`badge tone-${tones[status] ?? 'grey'}`} data-status={status}>
      {label ?? statusLabels[status] ?? status.replace(/_/g, ' ')}
    </span>
  );
}

export function Mono({ children }: { children: ReactNode }) {
  return <code className="mono">{children}</code>;
}

/** An object id in a table cell: shortened with an ellipsis, whole on hover. */
export function Id({ id }: { id: string }) {
  return (
    <code className="mono id" title={id}>
      {id}
    </code>
  );
}

export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div className="banner banner-error" role="alert">
      {errorText(error)}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export interface Column<T> {
  label: string;
  cell: (row: T) => ReactNode;
  /** Hidden on narrow screens. */
  secondary?: boolean;
  align?: 'right';
}

/** A table whose rows open a detail page; on a phone, secondary columns are hidden. */
export function Table<T extends { id: string }>({
  rows,
  columns,
  link,
  empty,
  testId,
}: {
  rows: T[];
  columns: Column<T>[];
  link?: (row: T) => string;
  empty: ReactNode;
  testId?: string;
}) {
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th
                key={c.label}
                className={[c.secondary ? 'secondary' : '', c.align === 'right' ? 'right' : ''].join(' ')}
              >
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={row.id}
              data-id={row.id}
              className={link ? 'clickable' : ''}
              onClick={
                link
                  ? (e) => {
                      if (!(e.target as HTMLElement).closest('a,button,input')) navigate(link(row));
                    }
                  : undefined
              }
            >
              {columns.map((c) => (
                <td
                  key={c.label}
                  className={[c.secondary ? 'secondary' : '', c.align === 'right' ? 'right' : ''].join(' ')}
                >
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Pager<T>({ list }: { list: PagedList<T> }) {
  const page = list.data;
  return (
    <div className="pager">
      <span className="muted">
        {page ? `${page.rows.length} shown` : ''}
        {list.loading ? ' · loading…' : ''}
      </span>
      <div className="pager-buttons">
        <button type="button" className="btn" disabled={!page?.hasPrevious} onClick={list.previousPage}>
          Previous
        </button>
        <button type="button" className="btn" disabled={!page?.hasNext} onClick={list.nextPage}>
          Next
        </button>
      </div>
    </div>
  );
}

/** A list page's body: error, the table, the pager. */
export function ListView<T extends { id: string }>({
  list,
  columns,
  link,
  empty,
  testId,
}: {
  list: PagedList<T>;
  columns: Column<T>[];
  link?: (row: T) => string;
  empty: ReactNode;
  testId?: string;
}) {
  return (
    <section className="card">
      <ErrorBanner error={list.error} />
      {list.data ? (
        <Table rows={list.data.rows} columns={columns} empty={empty} testId={testId} {...(link ? { link } : {})} />
      ) : list.error ? null : (
        <Empty>Loading…</Empty>
      )}
      <Pager list={list} />
    </section>
  );
}

/** Jumps to an object by its id (a search by id). */
export function IdSearch({
  placeholder,
  route,
  pattern,
}: {
  placeholder: string;
  route: (id: string) => string;
  pattern?: RegExp;
}) {
  const [value, setValue] = useState('');
  const [invalid, setInvalid] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const id = value.trim();
    if (!id) return;
    if (pattern && !pattern.test(id)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    navigate(route(id));
  };
  return (
    <form className="id-search" role="search" onSubmit={submit}>
      <input
        type="search"
        aria-label={placeholder}
        placeholder={placeholder}
        value={value}
        aria-invalid={invalid}
        onChange={(e) => {
          setValue(e.target.value);
          setInvalid(false);
        }}
      />
      <button type="submit" className="btn">
        Go
      </button>
    </form>
  );
}

export function Select({
  label,
  value,
  options,
  onChange,
  name,
}: {
  label: string;
  value: string;
  options: Array<[string, string]>;
  onChange: (value: string) => void;
  name?: string;
}) {
  const id = useId();
  return (
    <label className="field field-inline" htmlFor={id}>
      <span>{label}</span>
      <select id={id} name={name} value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

export function TextField({
  label,
  value,
  onChange,
  placeholder,
  name,
  type = 'text',
  required,
  inputMode,
  autoFocus,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  name?: string;
  type?: string;
  required?: boolean;
  inputMode?: 'decimal' | 'numeric' | 'text';
  autoFocus?: boolean;
}) {
  const id = useId();
  return (
    <label className="field" htmlFor={id}>
      <span>{label}</span>
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        placeholder={placeholder}
        required={required}
        inputMode={inputMode}
        autoFocus={autoFocus}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}

/** Key/value rows of a detail page. */
export function Details({ items }: { items: Array<[string, ReactNode]> }) {
  return (
    <dl className="details">
      {items.map(([key, value]) => (
        <div className="details-row" key={key}>
          <dt>{key}</dt>
          <dd>{value === null || value === undefined || value === '' ? <span className="muted">—</span> : value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Metadata({ metadata }: { metadata: unknown }) {
  const entries = metadata && typeof metadata === 'object' ? Object.entries(metadata as Record<string, unknown>) : [];
  if (entries.length === 0) return <Empty>No metadata</Empty>;
  return (
    <Details
      items={entries.map(([k, v]) => [
        k,
        <span className="user-text" data-testid="metadata-value">
          {str(v)}
        </span>,
      ])}
    />
  );
}

/** JSON, indented and coloured by token, built from React text nodes (never HTML). */
export function JsonView({ value, testId }: { value: unknown; testId?: string }) {
  return (
    <pre className="json" data-testid={testId}>
      {renderJson(value, 0)}
    </pre>
  );
}

function renderJson(value: unknown, depth: number): ReactNode {
  const pad = '  '.repeat(depth + 1);
  const end = '  '.repeat(depth);
  if (value === null) return <span className="j-null">null</span>;
  if (typeof value === 'string') return <span className="j-str">{JSON.stringify(value)}</span>;
  if (typeof value === 'number') return <span className="j-num">{String(value)}</span>;
  if (typeof value === 'boolean') return <span className="j-bool">{String(value)}</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return (
      <>
        {'[\n'}
        {value.map((item, i) => (
          <span key={i}>
            {pad}
            {renderJson(item, depth + 1)}
            {i < value.length - 1 ? ',' : ''}
            {'\n'}
          </span>
        ))}
        {end}
        {']'}
      </>
    );
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return (
      <>
        {'{\n'}
        {entries.map(([k, v], i) => (
          <span key={k}>
            {pad}
            <span className="j-key">{JSON.stringify(k)}</span>
            {': '}
            {renderJson(v, depth + 1)}
            {i < entries.length - 1 ? ',' : ''}
            {'\n'}
          </span>
        ))}
        {end}
        {'}'}
      </>
    );
  }
  return String(value);
}

/** A modal dialog (the native <dialog>: focus trap and Escape for free). */
export function Dialog({
  title,
  open,
  onClose,
  children,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} className="dialog" onClose={onClose} aria-label={title}>
      <div className="dialog-head">
        <h2>{title}</h2>
        <button type="button" className="btn btn-ghost" aria-label="Close" onClick={onClose}>
          ✕
        </button>
      </div>
      {open ? children : null}
    </dialog>
  );
}

/** Runs an action with a busy state and shows its error next to the button that started it. */
export function useAction(): {
  busy: boolean;
  error: unknown;
  run: (action: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return {
    busy,
    error,
    clear: () => setError(null),
    run: async (action) => {
      setBusy(true);
      setError(null);
      try {
        await action();
        return true;
      } catch (e) {
        setError(e);
        return false;
      } finally {
        setBusy(false);
      }
    },
  };
}

export function Section({
  title,
  actions,
  children,
  testId,
}: {
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <section className="card" data-testid={testId}>
      <div className="card-head">
        <h2>{title}</h2>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </div>
      <div className="card-body">{children}</div>
    </section>
  );
}

export function Toolbar({ children }: { children: ReactNode }) {
  return <div className="toolbar">{children}</div>;
}
