/**
 * 0006 — Connect (issue 14, item 5): a connected account is an account whose `platform_id` names
 * the platform that created it (`POST /v1/accounts`). Null for every account made otherwise. The
 * index answers "the connected accounts of a platform" (the platform's connect webhook endpoints
 * and event lookups).
 */
export const up = `
ALTER TABLE accounts ADD COLUMN platform_id TEXT;
CREATE INDEX accounts_by_platform ON accounts (platform_id);
`;
