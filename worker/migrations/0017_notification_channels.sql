-- Notifications sent to chat channels: a person's own channel and a team's (each a destination
-- in the JSON form of shared's `Destination`: webhook, Feishu, DingTalk or WeCom), the cron's
-- progress through the notifications (`sent_at`: queued to the channels, or nothing to send), and
-- the team notices sent (one per team, ticket, kind and reference, however many members were
-- told). worker/src/notices.rs queues them in the recipient's business hours (at once for P1);
-- the forwarding queue delivers them with its retries.
-- Migrations are append-only: never edit a released file, add the next number.

ALTER TABLE users ADD COLUMN channel TEXT CHECK (channel IS NULL OR json_valid(channel));
ALTER TABLE teams ADD COLUMN channel TEXT CHECK (channel IS NULL OR json_valid(channel));
ALTER TABLE notifications ADD COLUMN sent_at TEXT;
CREATE INDEX notifications_unsent ON notifications (id) WHERE sent_at IS NULL;

CREATE TABLE team_notices (
    team_id    TEXT NOT NULL,
    ticket_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    ref        TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (team_id, ticket_id, kind, ref)
);
