-- The ticket workflow: statuses new/open/waiting_customer/resolved/closed (+ auto_replied), the
-- holder (merchant or platform), team and assignee, an optimistic-concurrency version, merges,
-- followers, internal notes beside public replies, and the append-only event log. Wave-1 rows are
-- carried over: received/forwarded → new, assigned → open, each with a `created` event.
-- Migrations are append-only: never edit a released file, add the next number.

ALTER TABLE complaints ADD COLUMN holder TEXT NOT NULL DEFAULT 'merchant' CHECK (holder IN ('merchant', 'platform'));
ALTER TABLE complaints ADD COLUMN team_id TEXT;
ALTER TABLE complaints ADD COLUMN assignee_id TEXT;
ALTER TABLE complaints ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE complaints ADD COLUMN merged_into TEXT;

UPDATE complaints SET status = 'new' WHERE status IN ('received', 'forwarded');
UPDATE complaints SET status = 'open' WHERE status = 'assigned';

CREATE INDEX complaints_inbox ON complaints (status, priority, created_at);
CREATE INDEX complaints_assignee ON complaints (assignee_id, status);

-- Every change to a ticket, in order: who, what, from which status to which, and the details.
-- Written in the same D1 batch as the change it records; never updated or deleted.
CREATE TABLE ticket_events (
    id           INTEGER PRIMARY KEY,
    ticket_id    TEXT NOT NULL REFERENCES complaints (id),
    -- The ticket's version after the change (1 = created).
    version      INTEGER NOT NULL,
    at           TEXT NOT NULL,
    actor_kind   TEXT NOT NULL CHECK (actor_kind IN ('staff', 'customer', 'system')),
    actor_id     TEXT,
    kind         TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    UNIQUE (ticket_id, version)
);

INSERT INTO ticket_events (ticket_id, version, at, actor_kind, kind, from_status, to_status, payload)
SELECT id, 1, created_at, 'system', 'created', NULL, status, json_object('migrated', 1) FROM complaints;
UPDATE complaints SET version = 1;

CREATE TABLE ticket_followers (
    ticket_id  TEXT NOT NULL REFERENCES complaints (id),
    user_id    TEXT NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
);

-- Staff messages: public replies (internal = 0, the customer reads them) and internal notes
-- (internal = 1, staff only), with who wrote them.
ALTER TABLE ticket_replies ADD COLUMN internal INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1));
ALTER TABLE ticket_replies ADD COLUMN user_id TEXT;

-- Search: the masked text as overlapping character bigrams (Chinese has no spaces, and a
-- segmenter cuts one word differently in different sentences), the ticket number and the order id
-- (shared/src/workflow/search.rs builds the body). Wave-1 tickets are indexed by number and
-- order id only (SQL cannot make the bigrams); new tickets by their text too.
CREATE VIRTUAL TABLE ticket_search USING fts5(ticket_id UNINDEXED, body, tokenize = 'unicode61');
INSERT INTO ticket_search (ticket_id, body)
SELECT id, lower(replace(ticket_no, '-', ' ')) || ' ' || lower(COALESCE(order_id, '')) FROM complaints;
