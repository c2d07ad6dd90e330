-- Canned replies: a merchant's (merchant_id) or the platform's ('') ready answers, which staff pick
-- in the console and edit before sending as a public reply.
-- Migrations are append-only: never edit a released file, add the next number.

CREATE TABLE canned_replies (
    id           TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 60),
    text         TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX canned_replies_merchant ON canned_replies (merchant_id, title);
