-- Routing on intake (FAQ auto-replies), per-site configuration, and forwarding to merchants'
-- destinations through a queue with a delivery log.

-- Per-site decision thresholds (NULL = the measured defaults in qingting-shared) and the
-- merchant's FAQ pack (JSON, overlays the platform default by entry id; validated by the API).
ALTER TABLE sites ADD COLUMN resolve_threshold REAL
    CHECK (resolve_threshold IS NULL OR (resolve_threshold > 0 AND resolve_threshold <= 1));
ALTER TABLE sites ADD COLUMN acknowledge_threshold REAL
    CHECK (acknowledge_threshold IS NULL OR (acknowledge_threshold > 0 AND acknowledge_threshold <= 1));
ALTER TABLE sites ADD COLUMN faq_pack TEXT CHECK (faq_pack IS NULL OR json_valid(faq_pack));

-- Where a site's forwarded tickets go. `secret` signs requests (generic webhook: required).
CREATE TABLE destinations (
    site_key   TEXT NOT NULL REFERENCES sites (key),
    id         TEXT NOT NULL,
    position   INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('webhook', 'feishu', 'dingtalk', 'wecom')),
    url        TEXT NOT NULL,
    secret     TEXT,
    PRIMARY KEY (site_key, id)
);

-- What intake decided, and where forwarding stands:
--   none           not forwarded (auto-replied and not reopened)
--   queued         waiting for (or between) delivery attempts
--   delivered      every destination accepted
--   no_destination the site has no destinations configured (kept for the ops dashboard)
--   dead_letter    retries exhausted: in the dead-letter queue, needs a person
ALTER TABLE complaints ADD COLUMN decision TEXT
    CHECK (decision IS NULL OR decision IN ('resolve', 'acknowledge', 'forward'));
ALTER TABLE complaints ADD COLUMN delivery TEXT NOT NULL DEFAULT 'none'
    CHECK (delivery IN ('none', 'queued', 'delivered', 'no_destination', 'dead_letter'));
-- Last change of `delivery` or last attempt; the cron sweep re-queues rows stuck in `queued`.
ALTER TABLE complaints ADD COLUMN delivery_at TEXT;
ALTER TABLE complaints ADD COLUMN reopened_at TEXT;

CREATE INDEX complaints_delivery ON complaints (delivery, delivery_at);

-- Replies on a ticket, oldest first (the FAQ's automatic answer now; people's replies later).
CREATE TABLE ticket_replies (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id  TEXT NOT NULL REFERENCES complaints (id),
    author        TEXT NOT NULL CHECK (author IN ('faq', 'merchant', 'support')),
    faq_id        TEXT,
    text          TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE INDEX ticket_replies_complaint ON ticket_replies (complaint_id, id);

-- The delivery log: one row per attempt. A delivery key (complaint id / destination id) is
-- accepted at most once.
CREATE TABLE delivery_attempts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id    TEXT NOT NULL REFERENCES complaints (id),
    destination_id  TEXT NOT NULL,
    delivery_key    TEXT NOT NULL,
    attempt         INTEGER NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('delivered', 'failed', 'dead_letter')),
    http_status     INTEGER,
    detail          TEXT,
    at              TEXT NOT NULL
);

CREATE INDEX delivery_attempts_complaint ON delivery_attempts (complaint_id, id);
CREATE UNIQUE INDEX delivery_attempts_once ON delivery_attempts (delivery_key) WHERE outcome = 'delivered';
