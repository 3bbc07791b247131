/**
 * 0011 — `opentill_commit_guarded`: `opentill_commit` (0008) with its failure as a value, so that
 * the commits of several concurrent requests can go to PostgreSQL as ONE statement (one round trip
 * and one transaction, i.e. one WAL flush) and still succeed or fail one by one (issue 13, the
 * adapter's `RoundTripBatcher`). The EXCEPTION block makes each call a subtransaction: a call that
 * raises (a stale version `OT409`, endpoints changed `OT412`, a unique violation, a deadlock) rolls
 * back only its own writes, and answers `error <SQLSTATE> <message>`; a call that succeeds answers
 * `ok`, or `key_lost` (nothing written) as 0008 does. Calls in one statement run in order and each
 * sees the writes of the calls before it (a volatile function's statements take fresh snapshots).
 * SQLite has the same migration number and name with nothing to do.
 */
export const up = `
CREATE OR REPLACE FUNCTION opentill_commit_guarded(
  p_account TEXT, p_idem_key TEXT, p_idem_token TEXT, p_idem_effect TEXT,
  put_id TEXT[], put_type TEXT[], put_created BIGINT[], put_expected INTEGER[], put_keep BOOLEAN[],
  put_deadline BIGINT[], put_data TEXT[], put_filter TEXT[],
  event_id TEXT[], event_created BIGINT[], event_data TEXT[], event_filter TEXT[],
  delivery_id TEXT[], delivery_endpoint TEXT[], delivery_event TEXT[], delivery_type TEXT[], delivery_at BIGINT[],
  p_notify TEXT, p_endpoints TEXT
) RETURNS TEXT LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN coalesce(opentill_commit(p_account, p_idem_key, p_idem_token, p_idem_effect,
    put_id, put_type, put_created, put_expected, put_keep, put_deadline, put_data, put_filter,
    event_id, event_created, event_data, event_filter,
    delivery_id, delivery_endpoint, delivery_event, delivery_type, delivery_at, p_notify, p_endpoints), 'ok');
EXCEPTION WHEN OTHERS THEN
  RETURN 'error ' || SQLSTATE || ' ' || SQLERRM;
END
$fn$;
`;
