-- FAQ answers shown in the widget and complaints they deflected, counted per site, entry and day.
CREATE TABLE faq_events (
    site_key  TEXT NOT NULL REFERENCES sites (key),
    faq_id    TEXT NOT NULL,
    event     TEXT NOT NULL CHECK (event IN ('deflected')),
    day       TEXT NOT NULL,  -- YYYY-MM-DD, UTC
    count     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (site_key, faq_id, event, day)
);
