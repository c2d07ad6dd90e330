-- The three-party flow's merchant window: when a ticket held by its merchant must have had a
-- first answer, else the platform takes it (平台介入). Set at intake from the SLA policy
-- (shared/src/workflow/sla.rs: the priority's first-response target; at once for P1); the cron
-- sweep (worker/src/sla.rs) reads the partial index below for tickets still held by merchants, in
-- due order, and escalates each with a versioned write and an `escalated` event.
-- Times are stored as RFC 3339 UTC to the second ("2026-12-01T13:54:31Z"), so text order is time
-- order. Wave-1 and earlier rows have none: they are never escalated by the sweep.
-- Migrations are append-only: never edit a released file, add the next number.

ALTER TABLE complaints ADD COLUMN merchant_due_at TEXT;
CREATE INDEX complaints_merchant_window ON complaints (merchant_due_at) WHERE holder = 'merchant' AND merchant_due_at IS NOT NULL;
