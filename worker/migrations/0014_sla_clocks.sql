-- SLA clocks on tickets, SLA policies with their calendars, and the record of warnings and
-- breaches. The clock arithmetic is shared/src/workflow/sla.rs (`Clocks`); the worker stores its
-- fields here and the due times it works out, and the cron sweep (worker/src/sla.rs) reads the one
-- partial index on `sla_next_at`.
-- Times are RFC 3339 UTC to the second, so text order is time order.
-- Migrations are append-only: never edit a released file, add the next number.

-- The targets copied when the clocks start (business minutes; editing a policy never moves a
-- running clock) and the warning rule, as JSON ({"percent_of_target":75}). NULL minutes: no
-- clocks (answered from the FAQ and not reopened, or older than this migration).
ALTER TABLE complaints ADD COLUMN sla_first_minutes INTEGER;
ALTER TABLE complaints ADD COLUMN sla_resolve_minutes INTEGER;
ALTER TABLE complaints ADD COLUMN sla_warning TEXT CHECK (sla_warning IS NULL OR json_valid(sla_warning));
-- When the clocks started (creation, or a reopened automatic answer).
ALTER TABLE complaints ADD COLUMN sla_started_at TEXT;
-- The first public answer by a person: the first-response clock stopped.
ALTER TABLE complaints ADD COLUMN sla_responded_at TEXT;
-- Since when the resolution clock is paused (waiting on the customer) or stopped (resolved,
-- closed), and the business seconds of the pauses already over.
ALTER TABLE complaints ADD COLUMN sla_paused_at TEXT;
ALTER TABLE complaints ADD COLUMN sla_paused_seconds INTEGER NOT NULL DEFAULT 0;
-- Warnings and breaches recorded (bits: 1 first-response warning, 2 first-response breach,
-- 4 resolution warning, 8 resolution breach). Only ever OR-ed in.
ALTER TABLE complaints ADD COLUMN sla_marks INTEGER NOT NULL DEFAULT 0;
-- Worked out from the above whenever it changes: the running clocks' due times (for the inbox),
-- and the earliest warning or due time not yet recorded (for the sweep).
ALTER TABLE complaints ADD COLUMN sla_first_due_at TEXT;
ALTER TABLE complaints ADD COLUMN sla_resolve_due_at TEXT;
ALTER TABLE complaints ADD COLUMN sla_next_at TEXT;
CREATE INDEX complaints_sla_next ON complaints (sla_next_at) WHERE sla_next_at IS NOT NULL;
-- 已超时 / 即将超时: unresolved tickets with a breach or a warning, newest first.
CREATE INDEX complaints_sla_marked ON complaints (created_at) WHERE sla_marks != 0;

-- A merchant's SLA policy and calendar ('' = the platform's default). JSON in the forms of
-- shared's `SlaPolicy` and `Calendar` (validated by the API before they are stored).
CREATE TABLE sla_policies (
    merchant_id  TEXT PRIMARY KEY,
    policy       TEXT NOT NULL CHECK (json_valid(policy)),
    calendar     TEXT NOT NULL CHECK (json_valid(calendar)),
    updated_at   TEXT NOT NULL,
    updated_by   TEXT
);

-- Each warning and breach, once per ticket, clock and mark (the UNIQUE key is what makes "exactly
-- once" hold across overlapping sweeps), with who held the ticket and its merchant: the
-- per-merchant miss figures come from here.
CREATE TABLE sla_records (
    ticket_id    TEXT NOT NULL REFERENCES complaints (id),
    clock        TEXT NOT NULL CHECK (clock IN ('first_response', 'resolution', 'merchant_window')),
    mark         TEXT NOT NULL CHECK (mark IN ('warning', 'breach')),
    due_at       TEXT NOT NULL,
    at           TEXT NOT NULL,
    holder       TEXT NOT NULL CHECK (holder IN ('merchant', 'platform')),
    merchant_id  TEXT,
    PRIMARY KEY (ticket_id, clock, mark)
);
CREATE INDEX sla_records_merchant ON sla_records (merchant_id, at);
