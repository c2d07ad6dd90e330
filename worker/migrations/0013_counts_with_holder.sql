-- The saved views' counts gained 平台介入 (`holder = 'platform'`, unresolved): the covering index
-- of 0010 gets the holder column, so counting stays an index-only read (docs/BENCHMARKS.md).
-- Migrations are append-only: never edit a released file, add the next number.

CREATE INDEX complaints_counts_holder ON complaints (status, priority, assignee_id, holder, site_key);
DROP INDEX complaints_counts;
