-- The inbox's "priority" order (`GET /v1/tickets?sort=priority`): P1 first, then who has waited
-- longest; unclassified tickets last. The index is on the very expression the query orders by
-- (worker/src/store/tickets.rs, PRIORITY_RANK), so SQLite reads pages off it instead of sorting
-- every visible ticket. "oldest" reads `complaints_newest` (migration 0008) backwards.
-- Migrations are append-only: never edit a released file, add the next number.

CREATE INDEX complaints_priority_oldest ON complaints (COALESCE(priority, 'P9'), created_at, id);
