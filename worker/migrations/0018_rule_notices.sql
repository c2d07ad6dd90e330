-- Routing rules' "notify a destination": one row per ticket, destination and firing, written in
-- the batch of the `routed` change; the cron (worker/src/notices.rs) claims each once (`sent_at`)
-- and queues it for the forwarding queue, which sends a notice (never the complaint text) to the
-- site's destination.
-- Migrations are append-only: never edit a released file, add the next number.

CREATE TABLE rule_notices (
    id              INTEGER PRIMARY KEY,
    ticket_id       TEXT NOT NULL REFERENCES complaints (id),
    site_key        TEXT NOT NULL,
    destination_id  TEXT NOT NULL,
    -- The names of the rules that fired, for the notice's words.
    rules           TEXT NOT NULL,
    -- The ticket's version after the routing (one notice per destination and routing).
    version         INTEGER NOT NULL,
    at              TEXT NOT NULL,
    sent_at         TEXT,
    UNIQUE (ticket_id, destination_id, version)
);
CREATE INDEX rule_notices_unsent ON rule_notices (id) WHERE sent_at IS NULL;
