/**
 * 0008 — `opentill_commit`: a whole `Store.commit` in one statement, so one round trip instead of
 * BEGIN, one statement per row and COMMIT (issue 13: the PostgreSQL path cost 4× SQLite's CPU per
 * request, most of it in round trips). A function call is atomic on its own (autocommit): any
 * error rolls back everything it wrote, exactly like the transaction it replaces.
 *
 * In order, as `PostgresStore.commit` did it statement by statement:
 * 1. the request's idempotency effect, only while its token still owns the in-flight key; when it
 *    does not, nothing is written and the answer is `key_lost`;
 * 2. the puts in their order: an INSERT for a new object (version 1), else an UPDATE checked
 *    against the version the request loaded; a stale one raises SQLSTATE `OT409` with the object's
 *    id as message, which rolls the whole call back (the adapter answers a version conflict);
 *    `put_keep[i]` keeps the stored deadline, else `put_deadline[i]` (null clears it);
 * 3. the webhook deliveries the adapter planned from the account's enabled endpoints as it last
 *    read them (cached per process): `p_endpoints` is their fingerprint (`opentill_endpoints`), and
 *    when the endpoints in the database no longer match it, the call raises `OT412` before
 *    writing anything visible (all rolled back) and the adapter re-reads and plans again. So the
 *    deliveries always match the endpoints as of this statement, as when they were read inside the
 *    old transaction; then the NOTIFY hint when asked;
 * 4. the events.
 * `opentill_endpoints(account)`: the fingerprint of the account's enabled endpoints (ids in C order
 * with their `enabled_events` as stored), read by the adapter with the endpoints themselves.
 * Tables are resolved through the caller's search_path, like every other statement of the adapter.
 * SQLite has the same migration number and name with nothing to do (its commit is in-process).
 */
export const up = `
CREATE OR REPLACE FUNCTION opentill_endpoints(p_account TEXT) RETURNS TEXT LANGUAGE sql STABLE AS $fn$
  SELECT coalesce(string_agg(id || ' ' || coalesce((data -> 'enabled_events')::text, 'null'), E'\\n' ORDER BY id COLLATE "C"), '')
  FROM objects
  WHERE account_id = p_account AND type = 'webhook_endpoint' AND data ->> 'status' = 'enabled' AND (data -> 'deleted') IS NULL
$fn$;
CREATE OR REPLACE FUNCTION opentill_commit(
  p_account TEXT, p_idem_key TEXT, p_idem_token TEXT, p_idem_effect TEXT,
  put_id TEXT[], put_type TEXT[], put_created BIGINT[], put_expected INTEGER[], put_keep BOOLEAN[],
  put_deadline BIGINT[], put_data TEXT[], put_filter TEXT[],
  event_id TEXT[], event_created BIGINT[], event_data TEXT[], event_filter TEXT[],
  delivery_id TEXT[], delivery_endpoint TEXT[], delivery_event TEXT[], delivery_type TEXT[], delivery_at BIGINT[],
  p_notify TEXT, p_endpoints TEXT
) RETURNS TEXT LANGUAGE plpgsql AS $fn$
DECLARE
  i INTEGER;
  n INTEGER;
BEGIN
  IF p_idem_key IS NOT NULL THEN
    UPDATE idempotency_keys SET effect = p_idem_effect
      WHERE account_id = p_account AND key = p_idem_key AND token = p_idem_token AND state = 'in_flight';
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n <> 1 THEN RETURN 'key_lost'; END IF;
  END IF;
  FOR i IN 1 .. coalesce(array_length(put_id, 1), 0) LOOP
    IF put_expected[i] = 0 THEN
      INSERT INTO objects (id, account_id, type, created, version, deadline_ms, data, filter_data)
        VALUES (put_id[i], p_account, put_type[i], put_created[i], 1, put_deadline[i], put_data[i]::json, put_filter[i]::json);
    ELSE
      UPDATE objects SET version = version + 1, data = put_data[i]::json, filter_data = put_filter[i]::json,
          deadline_ms = CASE WHEN put_keep[i] THEN deadline_ms ELSE put_deadline[i] END
        WHERE id = put_id[i] AND account_id = p_account AND version = put_expected[i];
      GET DIAGNOSTICS n = ROW_COUNT;
      IF n <> 1 THEN RAISE EXCEPTION USING ERRCODE = 'OT409', MESSAGE = put_id[i]; END IF;
    END IF;
  END LOOP;
  IF p_endpoints IS NOT NULL AND p_endpoints IS DISTINCT FROM opentill_endpoints(p_account) THEN
    RAISE EXCEPTION USING ERRCODE = 'OT412', MESSAGE = 'webhook endpoints changed since they were read';
  END IF;
  IF coalesce(array_length(delivery_id, 1), 0) > 0 THEN
    INSERT INTO webhook_deliveries (id, account_id, endpoint_id, event_id, event_type, state, created_ms, next_attempt_ms)
      SELECT d.id, p_account, d.endpoint_id, d.event_id, d.event_type, 'pending', d.at, d.at
      FROM unnest(delivery_id, delivery_endpoint, delivery_event, delivery_type, delivery_at)
        AS d(id, endpoint_id, event_id, event_type, at);
    IF p_notify IS NOT NULL THEN PERFORM pg_notify(p_notify, current_schema()); END IF;
  END IF;
  IF coalesce(array_length(event_id, 1), 0) > 0 THEN
    INSERT INTO objects (id, account_id, type, created, version, deadline_ms, data, filter_data)
      SELECT e.id, p_account, 'event', e.created, 1, NULL, e.data::json, e.filter::json
      FROM unnest(event_id, event_created, event_data, event_filter) WITH ORDINALITY AS e(id, created, data, filter, ord)
      ORDER BY e.ord;
  END IF;
  RETURN NULL;
END
$fn$;
`;
