-- Staff accounts: merchants, users, memberships (platform or one merchant, with a role), teams,
-- sessions (only a hash of each token) and sign-in failure counters.
-- Migrations are append-only: never edit a released file, add the next number.

CREATE TABLE merchants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at  TEXT NOT NULL
);

-- Which merchant a site belongs to (NULL for sites made before accounts, until assigned).
ALTER TABLE sites ADD COLUMN merchant_id TEXT REFERENCES merchants (id);
CREATE INDEX sites_merchant ON sites (merchant_id);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    -- Normalised (trimmed, lower-case): the sign-in name.
    email          TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    -- `pbkdf2-sha256$i=…$p=…$salt$key` (shared/src/accounts/password.rs); NULL until set up.
    password_hash  TEXT,
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at     TEXT NOT NULL
);

CREATE TABLE memberships (
    user_id      TEXT NOT NULL REFERENCES users (id),
    scope_kind   TEXT NOT NULL CHECK (scope_kind IN ('platform', 'merchant')),
    -- '' for the platform, so that the primary key holds (NULLs are never equal).
    merchant_id  TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (user_id, scope_kind, merchant_id),
    CHECK ((scope_kind = 'platform') = (merchant_id = ''))
);
CREATE INDEX memberships_merchant ON memberships (merchant_id, role);

CREATE TABLE teams (
    id           TEXT PRIMARY KEY,
    -- '' for a platform team.
    merchant_id  TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    is_default   INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at   TEXT NOT NULL,
    UNIQUE (merchant_id, name)
);
-- One default team per merchant (and one for the platform).
CREATE UNIQUE INDEX teams_one_default ON teams (merchant_id) WHERE is_default = 1;

CREATE TABLE team_members (
    team_id  TEXT NOT NULL REFERENCES teams (id),
    user_id  TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie's token (hex); the token itself is never stored.
    token_hash    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    -- Unix seconds.
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins per key (`account:<email>` or `client:<address>`), in fixed windows.
CREATE TABLE login_failures (
    key           TEXT PRIMARY KEY,
    count         INTEGER NOT NULL,
    window_start  INTEGER NOT NULL
);
