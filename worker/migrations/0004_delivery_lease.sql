-- Forwarding: one consumer at a time per ticket, and when the next attempt is due.
-- `delivery_lease`: a consumer holds the ticket until then (RFC 3339); another one skips it.
-- `delivery_due`: the next attempt should have happened by then; the cron sweep re-queues tickets
-- still `queued` 5 minutes after it (their queue message was lost or never sent).
ALTER TABLE complaints ADD COLUMN delivery_lease TEXT;
ALTER TABLE complaints ADD COLUMN delivery_due TEXT;

UPDATE complaints SET delivery_due = delivery_at WHERE delivery = 'queued';

CREATE INDEX complaints_delivery_due ON complaints (delivery, delivery_due);
