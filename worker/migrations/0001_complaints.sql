-- Qingting schema v1: merchant sites and complaints.
-- Migrations are append-only: never edit a released file, add the next number.

CREATE TABLE sites (
    key             TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64),
    merchant_name   TEXT NOT NULL,
    -- JSON array of exact origins allowed to submit, e.g. ["https://shop.example.cn"].
    allowed_origins TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(allowed_origins)),
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE complaints (
    id               TEXT PRIMARY KEY,
    ticket_no        TEXT NOT NULL UNIQUE,
    site_key         TEXT NOT NULL REFERENCES sites (key),
    idempotency_key  TEXT NOT NULL,
    -- SHA-256 of the submission's content: a retry must carry the same content.
    request_hash     TEXT NOT NULL,
    -- Complaint text with personal data masked.
    text             TEXT NOT NULL,
    order_id         TEXT,
    contact          TEXT,
    lang             TEXT NOT NULL,
    status           TEXT NOT NULL,
    complaint        INTEGER NOT NULL CHECK (complaint IN (0, 1)),
    complaint_score  REAL NOT NULL,
    category         TEXT,
    categories       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(categories)),
    priority         TEXT CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    -- What the widget said (never trusted; kept to compare browser and edge).
    client_category  TEXT,
    client_priority  TEXT,
    model_version    TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (site_key, idempotency_key)
);

CREATE INDEX complaints_site_created ON complaints (site_key, created_at);
CREATE INDEX complaints_status_priority ON complaints (status, priority);
