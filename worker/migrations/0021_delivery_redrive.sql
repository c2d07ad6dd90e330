-- Forwarding that does not give up quietly (issue 12, findings 6 and 7).
-- Migrations are append-only: never edit a released file, add the next number.

-- Who holds the delivery lease: the consumer's own token. Only the holder finishes or releases it,
-- so a consumer whose lease expired cannot free another's.
ALTER TABLE complaints ADD COLUMN delivery_lease_owner TEXT;

-- Every redrive of a dead letter or a ticket without destination, written in the same batch as
-- the change it records: by whom (a person, or the system when a site's destinations changed).
CREATE TABLE delivery_redrives (
    id           INTEGER PRIMARY KEY,
    complaint_id TEXT NOT NULL REFERENCES complaints (id),
    at           TEXT NOT NULL,
    from_state   TEXT NOT NULL CHECK (from_state IN ('dead_letter', 'no_destination')),
    actor_kind   TEXT NOT NULL CHECK (actor_kind IN ('staff', 'system')),
    actor_id     TEXT,
    why          TEXT NOT NULL CHECK (why IN ('by_hand', 'destinations_changed'))
);
CREATE INDEX delivery_redrives_complaint ON delivery_redrives (complaint_id, id);

-- Each site's complaints per UTC day, for the daily quota (SITE_DAILY_QUOTA, worker/src/limits.rs):
-- counted in the same batch as the complaint it counts; `alerted` once the platform was told.
CREATE TABLE site_quota_days (
    site_key TEXT NOT NULL,
    day      TEXT NOT NULL,
    used     INTEGER NOT NULL DEFAULT 0,
    alerted  INTEGER NOT NULL DEFAULT 0 CHECK (alerted IN (0, 1)),
    PRIMARY KEY (site_key, day)
);

-- Each destination's circuit breaker (qingting_shared::forward::breaker): failed attempts in a
-- row across tickets, and until when (Unix ms) it is not tried.
CREATE TABLE destination_health (
    site_key       TEXT NOT NULL,
    destination_id TEXT NOT NULL,
    failures       INTEGER NOT NULL DEFAULT 0,
    open_until     INTEGER,
    PRIMARY KEY (site_key, destination_id)
);
