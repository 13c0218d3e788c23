-- +goose Up
CREATE TABLE users (
    id                 uuid PRIMARY KEY,
    username           text NOT NULL,
    email              text NOT NULL,
    password_hash      text NOT NULL,
    display_name       text NOT NULL DEFAULT '',
    bio                text NOT NULL DEFAULT '',
    preferred_language text NOT NULL DEFAULT '',
    role               text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users (username);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_created_at ON users (created_at, id);

CREATE TABLE refresh_tokens (
    id         uuid PRIMARY KEY,
    family_id  uuid NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Only for local development: a generated signing key every local replica
-- shares. Staging and production take JWT_SIGNING_KEY from Secrets Manager.
CREATE TABLE local_signing_key (
    id          int PRIMARY KEY CHECK (id = 1),
    private_pem text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE local_signing_key;
DROP TABLE refresh_tokens;
DROP TABLE users;
