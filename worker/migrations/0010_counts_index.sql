-- The saved views' counts (`GET /v1/tickets/counts`) read only tickets that are new, open,
-- waiting or resolved: a covering index over what they test (measured with `cargo xtask
-- bench-inbox`, docs/BENCHMARKS.md).
-- Migrations are append-only: never edit a released file, add the next number.

CREATE INDEX complaints_counts ON complaints (status, priority, assignee_id, site_key);
