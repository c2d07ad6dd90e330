-- The customer's own space (我的投诉): linked tickets, the customer's confirmation, CSAT and
-- 预警工单 (alert tickets).
--
-- * `kind`: an ordinary complaint, or an `alert` opened by a low CSAT score for the supervisor of
--   whoever held the original. `linked_id` points at the original (an alert's, or a follow-up
--   ticket's opened by 未解决 after the reopen window). An alert is created at most once per
--   original: the partial unique index below.
-- * `confirmed_at`: the customer said 已解决 (an automatic answer they confirmed is rated too).
-- * `csat`: one survey per ticket, offered when it is resolved (or its automatic answer
--   confirmed), with the staff member credited at that moment; answered once, until it closes.
-- Migrations are append-only: never edit a released file, add the next number.

ALTER TABLE complaints ADD COLUMN kind TEXT NOT NULL DEFAULT 'complaint' CHECK (kind IN ('complaint', 'alert'));
ALTER TABLE complaints ADD COLUMN linked_id TEXT;
ALTER TABLE complaints ADD COLUMN confirmed_at TEXT;
CREATE UNIQUE INDEX complaints_alert_once ON complaints (linked_id) WHERE kind = 'alert';
CREATE INDEX complaints_linked ON complaints (linked_id) WHERE linked_id IS NOT NULL;

CREATE TABLE csat (
    ticket_id    TEXT PRIMARY KEY REFERENCES complaints (id),
    offered_at   TEXT NOT NULL,
    -- Who is credited: the assignee (or the resolver) when the survey was offered.
    credited_id  TEXT,
    score        INTEGER CHECK (score IS NULL OR score BETWEEN 1 AND 5),
    reason       TEXT,
    comment      TEXT,
    answered_at  TEXT,
    -- The alert ticket a low score opened.
    alert_id     TEXT
);
