/**
 * 0013 — `opentill_endpoints` (0008) in PL/pgSQL instead of SQL, same body and result (issue 13 item 4).
 * `opentill_commit` calls it on every commit with events. A SQL-language function that cannot be
 * inlined (this one aggregates) is parsed, analysed and planned again on every call in PostgreSQL
 * before 18; profiled on PostgreSQL 15 under the PaymentIntent create benchmark, that was about a
 * tenth of the backend's CPU per create. PL/pgSQL keeps the query's plan for the session. Still
 * STABLE: it reads with the snapshot of the statement that calls it, as before.
 * SQLite has the same migration number and name with nothing to do.
 */
export const up = `
CREATE OR REPLACE FUNCTION opentill_endpoints(p_account TEXT) RETURNS TEXT LANGUAGE plpgsql STABLE AS $fn$
BEGIN
  RETURN (
    SELECT coalesce(string_agg(id || ' ' || coalesce((data -> 'enabled_events')::text, 'null'), E'\\n' ORDER BY id COLLATE "C"), '')
    FROM objects
    WHERE account_id = p_account AND type = 'webhook_endpoint' AND data ->> 'status' = 'enabled' AND (data -> 'deleted') IS NULL
  );
END
$fn$;
`;
