-- Routing rules and balanced assignment. The rules are evaluated by
-- shared/src/workflow/routing.rs (pure), assignment planned by shared/src/workflow/assignment.rs;
-- the worker (worker/src/routing.rs, worker/src/assign.rs) loads, stores and writes.
-- Migrations are append-only: never edit a released file, add the next number.

-- Ordered rules per scope ('' = the platform's), each the JSON form of shared's `RoutingRule`
-- (validated by the API before it is stored). Saved as a whole list, so `position` is dense.
CREATE TABLE routing_rules (
    merchant_id  TEXT NOT NULL,
    position     INTEGER NOT NULL,
    id           TEXT NOT NULL,
    rule         TEXT NOT NULL CHECK (json_valid(rule)),
    updated_at   TEXT NOT NULL,
    updated_by   TEXT,
    PRIMARY KEY (merchant_id, position),
    UNIQUE (merchant_id, id)
);

-- 催单: how many times the customer urged (a routing condition; the customer's space adds the
-- button that raises it).
ALTER TABLE complaints ADD COLUMN urges INTEGER NOT NULL DEFAULT 0;

-- Assignment: whether a person takes new tickets now (the console's toggle), how many tickets
-- whose clock runs they hold at most, and when they were last given one (ties go to the longest
-- ago).
ALTER TABLE users ADD COLUMN available INTEGER NOT NULL DEFAULT 1 CHECK (available IN (0, 1));
ALTER TABLE users ADD COLUMN capacity INTEGER NOT NULL DEFAULT 10 CHECK (capacity BETWEEN 0 AND 1000);
ALTER TABLE users ADD COLUMN last_assigned_at TEXT;

-- A team's queue: its unassigned tickets still to be worked.
CREATE INDEX complaints_team_queue ON complaints (team_id, priority, created_at) WHERE assignee_id IS NULL AND team_id IS NOT NULL;
-- A person's load: their tickets by status.
-- (complaints_assignee (assignee_id, status) from migration 0007 serves it.)
