-- The inbox (`GET /v1/tickets`) lists tickets newest first: ORDER BY created_at DESC, id DESC with
-- a LIMIT. Without an index in that order, SQLite sorted every visible ticket for each page (at
-- 100,000 tickets a platform admin's inbox took ≈ 200 ms in local D1; docs/BENCHMARKS.md). With
-- these it reads the first page (or the page after a cursor) straight off an index:
-- `complaints_newest` for the platform's views, `complaints_site_newest` for a merchant's sites
-- (it replaces `complaints_site_created`, whose columns it starts with).
-- Migrations are append-only: never edit a released file, add the next number.

CREATE INDEX complaints_newest ON complaints (created_at DESC, id DESC);
CREATE INDEX complaints_site_newest ON complaints (site_key, created_at DESC, id DESC);
DROP INDEX complaints_site_created;
