-- Analytics (issue 14): hourly counts, durations, the words behind each category, deflections
-- per hour, and the spike detector's alerts and state.
--
-- The counts are kept by triggers, inside the statement that changes a ticket, so they are exact
-- and atomic whoever writes: every `complaints` row of kind `complaint` adds its vector of measures
-- to the row of `hourly_counts` its key names (the hour it came in, its site, merchant, category,
-- priority, channel, region and outcome). When a watched column changes, the trigger takes the old
-- vector from the old key and adds the new one to the new key. So at every moment, for every
-- measure, the sum over `hourly_counts` equals the sum over the tickets (a worker test checks it
-- under concurrent intake). `qingting_shared::analytics::dims::Outcome::of` is the Rust side of the
-- outcome `CASE` below. Alerts (预警工单) are internal and not counted.
-- Migrations are append-only: never edit a released file, add the next number.

ALTER TABLE complaints ADD COLUMN channel TEXT NOT NULL DEFAULT 'widget' CHECK (channel IN ('widget', 'api'));
ALTER TABLE complaints ADD COLUMN region TEXT NOT NULL DEFAULT '';
-- How often the ticket was resolved and reopened (by staff or the customer's 未解决).
ALTER TABLE complaints ADD COLUMN resolutions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE complaints ADD COLUMN reopens INTEGER NOT NULL DEFAULT 0;
-- The merchant's window of the three-party flow: 0 none, 1 given, 2 missed (handed to the platform).
ALTER TABLE complaints ADD COLUMN merchant_window INTEGER NOT NULL DEFAULT 0 CHECK (merchant_window IN (0, 1, 2));
-- The customer's rating (a copy of `csat.score`, written in the same batch) for the counts.
ALTER TABLE complaints ADD COLUMN csat_score INTEGER CHECK (csat_score IS NULL OR csat_score BETWEEN 1 AND 5);

UPDATE complaints SET merchant_window = CASE
    WHEN EXISTS (SELECT 1 FROM sla_records r WHERE r.ticket_id = complaints.id AND r.clock = 'merchant_window') THEN 2
    WHEN merchant_due_at IS NOT NULL THEN 1 ELSE 0 END;
UPDATE complaints SET csat_score = (SELECT score FROM csat WHERE csat.ticket_id = complaints.id);
UPDATE complaints SET resolutions = 1 WHERE status IN ('resolved', 'closed');

CREATE TABLE hourly_counts (
    hour          INTEGER NOT NULL,  -- Unix seconds / 3600 of the hour the ticket came in (UTC)
    site_key      TEXT NOT NULL,
    merchant_id   TEXT NOT NULL,     -- '' for a site the platform runs itself
    category      TEXT NOT NULL,     -- '' when not a complaint
    priority      TEXT NOT NULL,
    channel       TEXT NOT NULL,
    region        TEXT NOT NULL,
    outcome       TEXT NOT NULL,     -- pending | auto_replied | resolved
    tickets       INTEGER NOT NULL DEFAULT 0,
    escalated     INTEGER NOT NULL DEFAULT 0,
    resolved_ever INTEGER NOT NULL DEFAULT 0,
    reopened      INTEGER NOT NULL DEFAULT 0,
    urged         INTEGER NOT NULL DEFAULT 0,
    sla_tracked   INTEGER NOT NULL DEFAULT 0,
    sla_breached  INTEGER NOT NULL DEFAULT 0,
    windowed      INTEGER NOT NULL DEFAULT 0,
    window_missed INTEGER NOT NULL DEFAULT 0,
    csat_1        INTEGER NOT NULL DEFAULT 0,
    csat_2        INTEGER NOT NULL DEFAULT 0,
    csat_3        INTEGER NOT NULL DEFAULT 0,
    csat_4        INTEGER NOT NULL DEFAULT 0,
    csat_5        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, site_key, merchant_id, category, priority, channel, region, outcome)
) WITHOUT ROWID;
CREATE INDEX hourly_counts_merchant ON hourly_counts (merchant_id, hour);

-- The same by day in Asia/Shanghai (the default viewer's zone; day = (hour + 8) / 24): a range of
-- whole days seen from +08:00 reads these, about five times fewer rows than by hour.
CREATE TABLE daily_counts (
    day           INTEGER NOT NULL,
    site_key      TEXT NOT NULL,
    merchant_id   TEXT NOT NULL,     -- '' for a site the platform runs itself
    category      TEXT NOT NULL,     -- '' when not a complaint
    priority      TEXT NOT NULL,
    channel       TEXT NOT NULL,
    region        TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    tickets       INTEGER NOT NULL DEFAULT 0,
    escalated     INTEGER NOT NULL DEFAULT 0,
    resolved_ever INTEGER NOT NULL DEFAULT 0,
    reopened      INTEGER NOT NULL DEFAULT 0,
    urged         INTEGER NOT NULL DEFAULT 0,
    sla_tracked   INTEGER NOT NULL DEFAULT 0,
    sla_breached  INTEGER NOT NULL DEFAULT 0,
    windowed      INTEGER NOT NULL DEFAULT 0,
    window_missed INTEGER NOT NULL DEFAULT 0,
    csat_1        INTEGER NOT NULL DEFAULT 0,
    csat_2        INTEGER NOT NULL DEFAULT 0,
    csat_3        INTEGER NOT NULL DEFAULT 0,
    csat_4        INTEGER NOT NULL DEFAULT 0,
    csat_5        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, site_key, merchant_id, category, priority, channel, region, outcome)
) WITHOUT ROWID;
CREATE INDEX daily_counts_merchant ON daily_counts (merchant_id, day);

-- Tickets pending now, whenever they came in (the backlog's oldest band without a scan).
CREATE TABLE pending_now (
    site_key      TEXT NOT NULL,
    merchant_id   TEXT NOT NULL,     -- '' for a site the platform runs itself
    category      TEXT NOT NULL,     -- '' when not a complaint
    priority      TEXT NOT NULL,
    channel       TEXT NOT NULL,
    region        TEXT NOT NULL,
    n             INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site_key, merchant_id, category, priority, channel, region)
) WITHOUT ROWID;

CREATE TRIGGER hourly_counts_insert AFTER INSERT ON complaints WHEN NEW.kind = 'complaint'
BEGIN
    INSERT INTO hourly_counts (hour, site_key, merchant_id, category, priority, channel, region, outcome, tickets, escalated, resolved_ever, reopened, urged, sla_tracked, sla_breached, windowed, window_missed, csat_1, csat_2, csat_3, csat_4, csat_5)
    SELECT
        CAST(strftime('%s', NEW.created_at) AS INTEGER) / 3600,
        NEW.site_key,
        COALESCE((SELECT merchant_id FROM sites WHERE key = NEW.site_key), ''),
        COALESCE(NEW.category, ''),
        COALESCE(NEW.priority, ''),
        NEW.channel,
        NEW.region,
        CASE WHEN NEW.status IN ('resolved', 'closed') THEN 'resolved' WHEN NEW.status = 'auto_replied' THEN 'auto_replied' ELSE 'pending' END,
        1,
        (NEW.holder = 'platform'),
        (NEW.resolutions > 0),
        (NEW.reopens > 0),
        (NEW.urges > 0),
        (NEW.sla_started_at IS NOT NULL),
        ((NEW.sla_marks & 10) != 0),
        (NEW.merchant_window > 0),
        (NEW.merchant_window = 2),
        (NEW.csat_score IS 1),
        (NEW.csat_score IS 2),
        (NEW.csat_score IS 3),
        (NEW.csat_score IS 4),
        (NEW.csat_score IS 5)
    WHERE true
    ON CONFLICT (hour, site_key, merchant_id, category, priority, channel, region, outcome) DO UPDATE SET
        tickets = tickets + excluded.tickets,
        escalated = escalated + excluded.escalated,
        resolved_ever = resolved_ever + excluded.resolved_ever,
        reopened = reopened + excluded.reopened,
        urged = urged + excluded.urged,
        sla_tracked = sla_tracked + excluded.sla_tracked,
        sla_breached = sla_breached + excluded.sla_breached,
        windowed = windowed + excluded.windowed,
        window_missed = window_missed + excluded.window_missed,
        csat_1 = csat_1 + excluded.csat_1,
        csat_2 = csat_2 + excluded.csat_2,
        csat_3 = csat_3 + excluded.csat_3,
        csat_4 = csat_4 + excluded.csat_4,
        csat_5 = csat_5 + excluded.csat_5;
    INSERT INTO daily_counts (day, site_key, merchant_id, category, priority, channel, region, outcome, tickets, escalated, resolved_ever, reopened, urged, sla_tracked, sla_breached, windowed, window_missed, csat_1, csat_2, csat_3, csat_4, csat_5)
    SELECT
        (CAST(strftime('%s', NEW.created_at) AS INTEGER) / 3600 + 8) / 24,
        NEW.site_key,
        COALESCE((SELECT merchant_id FROM sites WHERE key = NEW.site_key), ''),
        COALESCE(NEW.category, ''),
        COALESCE(NEW.priority, ''),
        NEW.channel,
        NEW.region,
        CASE WHEN NEW.status IN ('resolved', 'closed') THEN 'resolved' WHEN NEW.status = 'auto_replied' THEN 'auto_replied' ELSE 'pending' END,
        1,
        (NEW.holder = 'platform'),
        (NEW.resolutions > 0),
        (NEW.reopens > 0),
        (NEW.urges > 0),
        (NEW.sla_started_at IS NOT NULL),
        ((NEW.sla_marks & 10) != 0),
        (NEW.merchant_window > 0),
        (NEW.merchant_window = 2),
        (NEW.csat_score IS 1),
        (NEW.csat_score IS 2),
        (NEW.csat_score IS 3),
        (NEW.csat_score IS 4),
        (NEW.csat_score IS 5)
    WHERE true
    ON CONFLICT (day, site_key, merchant_id, category, priority, channel, region, outcome) DO UPDATE SET
        tickets = tickets + excluded.tickets,
        escalated = escalated + excluded.escalated,
        resolved_ever = resolved_ever + excluded.resolved_ever,
        reopened = reopened + excluded.reopened,
        urged = urged + excluded.urged,
        sla_tracked = sla_tracked + excluded.sla_tracked,
        sla_breached = sla_breached + excluded.sla_breached,
        windowed = windowed + excluded.windowed,
        window_missed = window_missed + excluded.window_missed,
        csat_1 = csat_1 + excluded.csat_1,
        csat_2 = csat_2 + excluded.csat_2,
        csat_3 = csat_3 + excluded.csat_3,
        csat_4 = csat_4 + excluded.csat_4,
        csat_5 = csat_5 + excluded.csat_5;
    INSERT INTO pending_now (site_key, merchant_id, category, priority, channel, region, n)
    SELECT
        NEW.site_key,
        COALESCE((SELECT merchant_id FROM sites WHERE key = NEW.site_key), ''),
        COALESCE(NEW.category, ''),
        COALESCE(NEW.priority, ''),
        NEW.channel,
        NEW.region,
        1
    WHERE true AND NEW.status NOT IN ('resolved', 'closed', 'auto_replied')
    ON CONFLICT (site_key, merchant_id, category, priority, channel, region) DO UPDATE SET
        n = n + excluded.n;
END;

CREATE TRIGGER hourly_counts_update AFTER UPDATE OF status, holder, category, priority, resolutions, reopens, urges, sla_started_at, sla_marks, merchant_window, csat_score, channel, region, site_key, created_at, kind ON complaints
WHEN OLD.status IS NOT NEW.status
  OR OLD.holder IS NOT NEW.holder
  OR OLD.category IS NOT NEW.category
  OR OLD.priority IS NOT NEW.priority
  OR OLD.resolutions IS NOT NEW.resolutions
  OR OLD.reopens IS NOT NEW.reopens
  OR OLD.urges IS NOT NEW.urges
  OR OLD.sla_started_at IS NOT NEW.sla_started_at
  OR OLD.sla_marks IS NOT NEW.sla_marks
  OR OLD.merchant_window IS NOT NEW.merchant_window
  OR OLD.csat_score IS NOT NEW.csat_score
  OR OLD.channel IS NOT NEW.channel
  OR OLD.region IS NOT NEW.region
  OR OLD.site_key IS NOT NEW.site_key
  OR OLD.created_at IS NOT NEW.created_at
  OR OLD.kind IS NOT NEW.kind
BEGIN
    INSERT INTO hourly_counts (hour, site_key, merchant_id, category, priority, channel, region, outcome, tickets, escalated, resolved_ever, reopened, urged, sla_tracked, sla_breached, windowed, window_missed, csat_1, csat_2, csat_3, csat_4, csat_5)
    SELECT
        CAST(strftime('%s', OLD.created_at) AS INTEGER) / 3600,
        OLD.site_key,
        COALESCE((SELECT merchant_id FROM sites WHERE key = OLD.site_key), ''),
        COALESCE(OLD.category, ''),
        COALESCE(OLD.priority, ''),
        OLD.channel,
        OLD.region,
        CASE WHEN OLD.status IN ('resolved', 'closed') THEN 'resolved' WHEN OLD.status = 'auto_replied' THEN 'auto_replied' ELSE 'pending' END,
        -1,
        -(OLD.holder = 'platform'),
        -(OLD.resolutions > 0),
        -(OLD.reopens > 0),
        -(OLD.urges > 0),
        -(OLD.sla_started_at IS NOT NULL),
        -((OLD.sla_marks & 10) != 0),
        -(OLD.merchant_window > 0),
        -(OLD.merchant_window = 2),
        -(OLD.csat_score IS 1),
        -(OLD.csat_score IS 2),
        -(OLD.csat_score IS 3),
        -(OLD.csat_score IS 4),
        -(OLD.csat_score IS 5)
    WHERE OLD.kind = 'complaint'
    ON CONFLICT (hour, site_key, merchant_id, category, priority, channel, region, outcome) DO UPDATE SET
        tickets = tickets + excluded.tickets,
        escalated = escalated + excluded.escalated,
        resolved_ever = resolved_ever + excluded.resolved_ever,
        reopened = reopened + excluded.reopened,
        urged = urged + excluded.urged,
        sla_tracked = sla_tracked + excluded.sla_tracked,
        sla_breached = sla_breached + excluded.sla_breached,
        windowed = windowed + excluded.windowed,
        window_missed = window_missed + excluded.window_missed,
        csat_1 = csat_1 + excluded.csat_1,
        csat_2 = csat_2 + excluded.csat_2,
        csat_3 = csat_3 + excluded.csat_3,
        csat_4 = csat_4 + excluded.csat_4,
        csat_5 = csat_5 + excluded.csat_5;
    INSERT INTO daily_counts (day, site_key, merchant_id, category, priority, channel, region, outcome, tickets, escalated, resolved_ever, reopened, urged, sla_tracked, sla_breached, windowed, window_missed, csat_1, csat_2, csat_3, csat_4, csat_5)
    SELECT
        (CAST(strftime('%s', OLD.created_at) AS INTEGER) / 3600 + 8) / 24,
        OLD.site_key,
        COALESCE((SELECT merchant_id FROM sites WHERE key = OLD.site_key), ''),
        COALESCE(OLD.category, ''),
        COALESCE(OLD.priority, ''),
        OLD.channel,
        OLD.region,
        CASE WHEN OLD.status IN ('resolved', 'closed') THEN 'resolved' WHEN OLD.status = 'auto_replied' THEN 'auto_replied' ELSE 'pending' END,
        -1,
        -(OLD.holder = 'platform'),
        -(OLD.resolutions > 0),
        -(OLD.reopens > 0),
        -(OLD.urges > 0),
        -(OLD.sla_started_at IS NOT NULL),
        -((OLD.sla_marks & 10) != 0),
        -(OLD.merchant_window > 0),
        -(OLD.merchant_window = 2),
        -(OLD.csat_score IS 1),
        -(OLD.csat_score IS 2),
        -(OLD.csat_score IS 3),
        -(OLD.csat_score IS 4),
        -(OLD.csat_score IS 5)
    WHERE OLD.kind = 'complaint'
    ON CONFLICT (day, site_key, merchant_id, category, priority, channel, region, outcome) DO UPDATE SET
        tickets = tickets + excluded.tickets,
        escalated = escalated + excluded.escalated,
        resolved_ever = resolved_ever + excluded.resolved_ever,
        reopened = reopened + excluded.reopened,
        urged = urged + excluded.urged,
        sla_tracked = sla_tracked + excluded.sla_tracked,
        sla_breached = sla_breached + excluded.sla_breached,
        windowed = windowed + excluded.windowed,
        window_missed = window_missed + excluded.window_missed,
        csat_1 = csat_1 + excluded.csat_1,
        csat_2 = csat_2 + excluded.csat_2,
        csat_3 = csat_3 + excluded.csat_3,
        csat_4 = csat_4 + excluded.csat_4,
        csat_5 = csat_5 + excluded.csat_5;
    INSERT INTO pending_now (site_key, merchant_id, category, priority, channel, region, n)
    SELECT
        OLD.site_key,
        COALESCE((SELECT merchant_id FROM sites WHERE key = OLD.site_key), ''),
        COALESCE(OLD.category, ''),
        COALESCE(OLD.priority, ''),
        OLD.channel,
        OLD.region,
        -1
    WHERE OLD.kind = 'complaint' AND OLD.status NOT IN ('resolved', 'closed', 'auto_replied')
    ON CONFLICT (site_key, merchant_id, category, priority, channel, region) DO UPDATE SET
        n = n + excluded.n;
    INSERT INTO hourly_counts (hour, site_key, merchant_id, category, priority, channel, region, outcome, tickets, escalated, resolved_ever, reopened, urged, sla_tracked, sla_breached, windowed, window_missed, csat_1, csat_2, csat_3, csat_4, csat_5)
    SELECT
        CAST(strftime('%s', NEW.created_at) AS INTEGER) / 3600,
        NEW.site_key,
        COALESCE((SELECT merchant_id FROM sites WHERE key = NEW.site_key), ''),
        COALESCE(NEW.category, ''),
        COALESCE(NEW.priority, ''),
        NEW.channel,
        NEW.region,
        CASE WHEN NEW.status IN ('resolved', 'closed') THEN 'resolved' WHEN NEW.status = 'auto_replied' THEN 'auto_replied' ELSE 'pending' END,
        1,
        (NEW.holder = 'platform'),
        (NEW.resolutions > 0),
        (NEW.reopens > 0),
        (NEW.urges > 0),
        (NEW.sla_started_at IS NOT NULL),
        ((NEW.sla_marks & 10) != 0),
        (NEW.merchant_window > 0),
        (NEW.merchant_window = 2),
        (NEW.csat_score IS 1),
        (NEW.csat_score IS 2),
        (NEW.csat_score IS 3),
        (NEW.csat_score IS 4),
        (NEW.csat_score IS 5)
    WHERE NEW.kind = 'complaint'
    ON CONFLICT (hour, site_key, merchant_id, category, priority, channel, region, outcome) DO UPDATE SET
        tickets = tickets + excluded.tickets,
        escalated = escalated + excluded.escalated,
        resolved_ever = resolved_ever + excluded.resolved_ever,
        reopened = reopened + excluded.reopened,
        urged = urged + excluded.urged,
        sla_tracked = sla_tracked + excluded.sla_tracked,
        sla_breached = sla_breached + excluded.sla_breached,
        windowed = windowed + excluded.windowed,
        window_missed = window_missed + excluded.window_missed,
        csat_1 = csat_1 + excluded.csat_1,
        csat_2 = csat_2 + excluded.csat_2,
        csat_3 = csat_3 + excluded.csat_3,
        csat_4 = csat_4 + excluded.csat_4,
        csat_5 = csat_5 + excluded.csat_5;
    INSERT INTO daily_counts (day, site_key, merchant_id, category, priority, channel, region, outcome, tickets, escalated, resolved_ever, reopened, urged, sla_tracked, sla_breached, windowed, window_missed, csat_1, csat_2, csat_3, csat_4, csat_5)
    SELECT
        (CAST(strftime('%s', NEW.created_at) AS INTEGER) / 3600 + 8) / 24,
        NEW.site_key,
        COALESCE((SELECT merchant_id FROM sites WHERE key = NEW.site_key), ''),
        COALESCE(NEW.category, ''),
        COALESCE(NEW.priority, ''),
        NEW.channel,
        NEW.region,
        CASE WHEN NEW.status IN ('resolved', 'closed') THEN 'resolved' WHEN NEW.status = 'auto_replied' THEN 'auto_replied' ELSE 'pending' END,
        1,
        (NEW.holder = 'platform'),
        (NEW.resolutions > 0),
        (NEW.reopens > 0),
        (NEW.urges > 0),
        (NEW.sla_started_at IS NOT NULL),
        ((NEW.sla_marks & 10) != 0),
        (NEW.merchant_window > 0),
        (NEW.merchant_window = 2),
        (NEW.csat_score IS 1),
        (NEW.csat_score IS 2),
        (NEW.csat_score IS 3),
        (NEW.csat_score IS 4),
        (NEW.csat_score IS 5)
    WHERE NEW.kind = 'complaint'
    ON CONFLICT (day, site_key, merchant_id, category, priority, channel, region, outcome) DO UPDATE SET
        tickets = tickets + excluded.tickets,
        escalated = escalated + excluded.escalated,
        resolved_ever = resolved_ever + excluded.resolved_ever,
        reopened = reopened + excluded.reopened,
        urged = urged + excluded.urged,
        sla_tracked = sla_tracked + excluded.sla_tracked,
        sla_breached = sla_breached + excluded.sla_breached,
        windowed = windowed + excluded.windowed,
        window_missed = window_missed + excluded.window_missed,
        csat_1 = csat_1 + excluded.csat_1,
        csat_2 = csat_2 + excluded.csat_2,
        csat_3 = csat_3 + excluded.csat_3,
        csat_4 = csat_4 + excluded.csat_4,
        csat_5 = csat_5 + excluded.csat_5;
    INSERT INTO pending_now (site_key, merchant_id, category, priority, channel, region, n)
    SELECT
        NEW.site_key,
        COALESCE((SELECT merchant_id FROM sites WHERE key = NEW.site_key), ''),
        COALESCE(NEW.category, ''),
        COALESCE(NEW.priority, ''),
        NEW.channel,
        NEW.region,
        1
    WHERE NEW.kind = 'complaint' AND NEW.status NOT IN ('resolved', 'closed', 'auto_replied')
    ON CONFLICT (site_key, merchant_id, category, priority, channel, region) DO UPDATE SET
        n = n + excluded.n;
END;

-- Every ticket already stored, counted once.
INSERT INTO hourly_counts (hour, site_key, merchant_id, category, priority, channel, region, outcome, tickets, escalated, resolved_ever, reopened, urged, sla_tracked, sla_breached, windowed, window_missed, csat_1, csat_2, csat_3, csat_4, csat_5)
    SELECT
        CAST(strftime('%s', c.created_at) AS INTEGER) / 3600,
        c.site_key,
        COALESCE((SELECT merchant_id FROM sites WHERE key = c.site_key), ''),
        COALESCE(c.category, ''),
        COALESCE(c.priority, ''),
        c.channel,
        c.region,
        CASE WHEN c.status IN ('resolved', 'closed') THEN 'resolved' WHEN c.status = 'auto_replied' THEN 'auto_replied' ELSE 'pending' END,
        1,
        (c.holder = 'platform'),
        (c.resolutions > 0),
        (c.reopens > 0),
        (c.urges > 0),
        (c.sla_started_at IS NOT NULL),
        ((c.sla_marks & 10) != 0),
        (c.merchant_window > 0),
        (c.merchant_window = 2),
        (c.csat_score IS 1),
        (c.csat_score IS 2),
        (c.csat_score IS 3),
        (c.csat_score IS 4),
        (c.csat_score IS 5)
    FROM complaints c WHERE c.kind = 'complaint'
    ON CONFLICT (hour, site_key, merchant_id, category, priority, channel, region, outcome) DO UPDATE SET
        tickets = tickets + excluded.tickets,
        escalated = escalated + excluded.escalated,
        resolved_ever = resolved_ever + excluded.resolved_ever,
        reopened = reopened + excluded.reopened,
        urged = urged + excluded.urged,
        sla_tracked = sla_tracked + excluded.sla_tracked,
        sla_breached = sla_breached + excluded.sla_breached,
        windowed = windowed + excluded.windowed,
        window_missed = window_missed + excluded.window_missed,
        csat_1 = csat_1 + excluded.csat_1,
        csat_2 = csat_2 + excluded.csat_2,
        csat_3 = csat_3 + excluded.csat_3,
        csat_4 = csat_4 + excluded.csat_4,
        csat_5 = csat_5 + excluded.csat_5;
INSERT INTO daily_counts (day, site_key, merchant_id, category, priority, channel, region, outcome, tickets, escalated, resolved_ever, reopened, urged, sla_tracked, sla_breached, windowed, window_missed, csat_1, csat_2, csat_3, csat_4, csat_5)
    SELECT
        (CAST(strftime('%s', c.created_at) AS INTEGER) / 3600 + 8) / 24,
        c.site_key,
        COALESCE((SELECT merchant_id FROM sites WHERE key = c.site_key), ''),
        COALESCE(c.category, ''),
        COALESCE(c.priority, ''),
        c.channel,
        c.region,
        CASE WHEN c.status IN ('resolved', 'closed') THEN 'resolved' WHEN c.status = 'auto_replied' THEN 'auto_replied' ELSE 'pending' END,
        1,
        (c.holder = 'platform'),
        (c.resolutions > 0),
        (c.reopens > 0),
        (c.urges > 0),
        (c.sla_started_at IS NOT NULL),
        ((c.sla_marks & 10) != 0),
        (c.merchant_window > 0),
        (c.merchant_window = 2),
        (c.csat_score IS 1),
        (c.csat_score IS 2),
        (c.csat_score IS 3),
        (c.csat_score IS 4),
        (c.csat_score IS 5)
    FROM complaints c WHERE c.kind = 'complaint'
    ON CONFLICT (day, site_key, merchant_id, category, priority, channel, region, outcome) DO UPDATE SET
        tickets = tickets + excluded.tickets,
        escalated = escalated + excluded.escalated,
        resolved_ever = resolved_ever + excluded.resolved_ever,
        reopened = reopened + excluded.reopened,
        urged = urged + excluded.urged,
        sla_tracked = sla_tracked + excluded.sla_tracked,
        sla_breached = sla_breached + excluded.sla_breached,
        windowed = windowed + excluded.windowed,
        window_missed = window_missed + excluded.window_missed,
        csat_1 = csat_1 + excluded.csat_1,
        csat_2 = csat_2 + excluded.csat_2,
        csat_3 = csat_3 + excluded.csat_3,
        csat_4 = csat_4 + excluded.csat_4,
        csat_5 = csat_5 + excluded.csat_5;
INSERT INTO pending_now (site_key, merchant_id, category, priority, channel, region, n)
    SELECT
        c.site_key,
        COALESCE((SELECT merchant_id FROM sites WHERE key = c.site_key), ''),
        COALESCE(c.category, ''),
        COALESCE(c.priority, ''),
        c.channel,
        c.region,
        1
    FROM complaints c WHERE c.kind = 'complaint' AND c.status NOT IN ('resolved', 'closed', 'auto_replied')
    ON CONFLICT (site_key, merchant_id, category, priority, channel, region) DO UPDATE SET
        n = n + excluded.n;

-- Durations, recorded by the worker when they happen (business time needs the calendar):
-- the first response and the merchant's first response once, the resolution again after a reopen.
CREATE TABLE ticket_durations (
    ticket_id        TEXT NOT NULL REFERENCES complaints (id),
    metric           TEXT NOT NULL CHECK (metric IN ('first_response', 'resolution', 'merchant_response')),
    wall_seconds     INTEGER NOT NULL,
    business_seconds INTEGER,
    -- `qingting_shared::analytics::duration::bucket` of each.
    wall_bucket      INTEGER NOT NULL,
    business_bucket  INTEGER,
    hour             INTEGER NOT NULL,
    site_key         TEXT NOT NULL,
    merchant_id      TEXT NOT NULL,
    category         TEXT NOT NULL,
    priority         TEXT NOT NULL,
    channel          TEXT NOT NULL,
    region           TEXT NOT NULL,
    PRIMARY KEY (ticket_id, metric)
) WITHOUT ROWID;

CREATE TABLE duration_hist (
    hour         INTEGER NOT NULL,
    site_key     TEXT NOT NULL,
    merchant_id  TEXT NOT NULL,
    category     TEXT NOT NULL,
    priority     TEXT NOT NULL,
    channel      TEXT NOT NULL,
    region       TEXT NOT NULL,
    metric       TEXT NOT NULL,
    base         TEXT NOT NULL CHECK (base IN ('wall', 'business')),
    bucket       INTEGER NOT NULL,
    n            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket)
) WITHOUT ROWID;
CREATE INDEX duration_hist_merchant ON duration_hist (merchant_id, hour);

CREATE TRIGGER duration_hist_insert AFTER INSERT ON ticket_durations
BEGIN
    INSERT INTO duration_hist (hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket, n)
    SELECT NEW.hour, NEW.site_key, NEW.merchant_id, NEW.category, NEW.priority, NEW.channel, NEW.region, NEW.metric, 'wall', NEW.wall_bucket, 1
    WHERE NEW.wall_bucket IS NOT NULL
    ON CONFLICT (hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket) DO UPDATE SET n = n + excluded.n;
    INSERT INTO duration_hist (hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket, n)
    SELECT NEW.hour, NEW.site_key, NEW.merchant_id, NEW.category, NEW.priority, NEW.channel, NEW.region, NEW.metric, 'business', NEW.business_bucket, 1
    WHERE NEW.business_bucket IS NOT NULL
    ON CONFLICT (hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER duration_hist_update AFTER UPDATE ON ticket_durations
BEGIN
    INSERT INTO duration_hist (hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket, n)
    SELECT OLD.hour, OLD.site_key, OLD.merchant_id, OLD.category, OLD.priority, OLD.channel, OLD.region, OLD.metric, 'wall', OLD.wall_bucket, -1
    WHERE OLD.wall_bucket IS NOT NULL
    ON CONFLICT (hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket) DO UPDATE SET n = n + excluded.n;
    INSERT INTO duration_hist (hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket, n)
    SELECT OLD.hour, OLD.site_key, OLD.merchant_id, OLD.category, OLD.priority, OLD.channel, OLD.region, OLD.metric, 'business', OLD.business_bucket, -1
    WHERE OLD.business_bucket IS NOT NULL
    ON CONFLICT (hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket) DO UPDATE SET n = n + excluded.n;
    INSERT INTO duration_hist (hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket, n)
    SELECT NEW.hour, NEW.site_key, NEW.merchant_id, NEW.category, NEW.priority, NEW.channel, NEW.region, NEW.metric, 'wall', NEW.wall_bucket, 1
    WHERE NEW.wall_bucket IS NOT NULL
    ON CONFLICT (hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket) DO UPDATE SET n = n + excluded.n;
    INSERT INTO duration_hist (hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket, n)
    SELECT NEW.hour, NEW.site_key, NEW.merchant_id, NEW.category, NEW.priority, NEW.channel, NEW.region, NEW.metric, 'business', NEW.business_bucket, 1
    WHERE NEW.business_bucket IS NOT NULL
    ON CONFLICT (hour, site_key, merchant_id, category, priority, channel, region, metric, base, bucket) DO UPDATE SET n = n + excluded.n;
END;

-- A ticket's durations follow its key (a corrected category, a new priority), so the histogram
-- always counts each measured ticket where the counts count it.
CREATE TRIGGER ticket_durations_follow AFTER UPDATE OF category, priority, channel, region, site_key ON complaints
WHEN OLD.category IS NOT NEW.category OR OLD.priority IS NOT NEW.priority OR OLD.channel IS NOT NEW.channel
  OR OLD.region IS NOT NEW.region OR OLD.site_key IS NOT NEW.site_key
BEGIN
    UPDATE ticket_durations SET
        category = COALESCE(NEW.category, ''),
        priority = COALESCE(NEW.priority, ''),
        channel = NEW.channel,
        region = NEW.region,
        site_key = NEW.site_key,
        merchant_id = COALESCE((SELECT merchant_id FROM sites WHERE key = NEW.site_key), '')
    WHERE ticket_id = NEW.id;
END;

-- FAQ answers that solved the problem before a complaint was written, per hour (the trigger
-- follows `faq_events`, which counts per UTC day).
CREATE TABLE hourly_deflections (
    hour         INTEGER NOT NULL,
    site_key     TEXT NOT NULL,
    merchant_id  TEXT NOT NULL,
    n            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, site_key, merchant_id)
) WITHOUT ROWID;

CREATE TRIGGER hourly_deflections_insert AFTER INSERT ON faq_events
BEGIN
    INSERT INTO hourly_deflections (hour, site_key, merchant_id, n)
    VALUES (CAST(strftime('%s', 'now') AS INTEGER) / 3600, NEW.site_key, COALESCE((SELECT merchant_id FROM sites WHERE key = NEW.site_key), ''), NEW.count)
    ON CONFLICT (hour, site_key, merchant_id) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER hourly_deflections_update AFTER UPDATE OF count ON faq_events
BEGIN
    INSERT INTO hourly_deflections (hour, site_key, merchant_id, n)
    VALUES (CAST(strftime('%s', 'now') AS INTEGER) / 3600, NEW.site_key, COALESCE((SELECT merchant_id FROM sites WHERE key = NEW.site_key), ''), NEW.count - OLD.count)
    ON CONFLICT (hour, site_key, merchant_id) DO UPDATE SET n = n + excluded.n;
END;

-- The words that drove each complaint's classification at intake (its top tokens), per hour and
-- category, written in the intake batch.
CREATE TABLE hourly_words (
    hour         INTEGER NOT NULL,
    site_key     TEXT NOT NULL,
    merchant_id  TEXT NOT NULL,
    category     TEXT NOT NULL,
    word         TEXT NOT NULL,
    n            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, merchant_id, category, word, site_key)
) WITHOUT ROWID;

-- Spike alerts the cron raised (one per scope, merchant, category, kind and hour), and the
-- detector's state between runs (cooldowns, CUSUM sums) as JSON, with the run's claim.
CREATE TABLE spike_alerts (
    id           TEXT PRIMARY KEY,
    scope        TEXT NOT NULL CHECK (scope IN ('platform', 'merchant')),
    merchant_id  TEXT NOT NULL,
    category     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    hour         INTEGER NOT NULL,
    observed     INTEGER NOT NULL,
    expected     REAL NOT NULL,
    p            REAL NOT NULL,
    raised_at    TEXT NOT NULL
);
CREATE INDEX spike_alerts_hour ON spike_alerts (hour);

CREATE TABLE spike_state (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    state    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(state)),
    run_slot INTEGER NOT NULL DEFAULT 0
);
INSERT INTO spike_state (id) VALUES (1);
