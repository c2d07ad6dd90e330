-- Invitations: a one-time setup link per invited staff member. Only the token's SHA-256 is stored;
-- the token itself is handed out once (`POST /v1/invitations`) and used once (`POST /v1/auth/setup`).
-- Migrations are append-only: never edit a released file, add the next number.

CREATE TABLE invitations (
    -- SHA-256 of the setup token (hex).
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    invited_by  TEXT NOT NULL REFERENCES users (id),
    -- Unix seconds; `used_at` is NULL until the password is set.
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX invitations_user ON invitations (user_id);

-- Team members by user (removing someone from every team, listing a person's teams).
CREATE INDEX team_members_user ON team_members (user_id);
