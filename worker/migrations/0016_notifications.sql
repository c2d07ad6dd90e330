-- Notifications in the console: a new assignment, an SLA warning or breach, the platform stepping
-- in (平台介入). Written in the same batch as the change they report (or, for warnings and
-- breaches, as the sla_records row), each at most once: the key is (user, ticket, kind, ref),
-- `ref` telling apart what may happen again (the ticket version of an assignment, the clock of a
-- warning). Delivery to people's and teams' chat channels is not built yet.
-- Migrations are append-only: never edit a released file, add the next number.

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    TEXT NOT NULL,
    ticket_id  TEXT NOT NULL REFERENCES complaints (id),
    kind       TEXT NOT NULL CHECK (kind IN ('assigned', 'warning', 'breach', 'escalated')),
    ref        TEXT NOT NULL DEFAULT '',
    at         TEXT NOT NULL,
    read_at    TEXT,
    UNIQUE (user_id, ticket_id, kind, ref)
);
CREATE INDEX notifications_unread ON notifications (user_id, id) WHERE read_at IS NULL;
CREATE INDEX notifications_recent ON notifications (user_id, id);
