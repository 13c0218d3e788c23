-- +goose Up
-- One row per accepted chat message. (room_id, id_ms, id_seq) is the Redis
-- stream id the message was given, so history has the order every reader
-- saw; (room_id, client_id) makes a resent message impossible to store twice.
CREATE TABLE messages (
    room_id   uuid        NOT NULL,
    id_ms     bigint      NOT NULL CHECK (id_ms >= 0),
    id_seq    bigint      NOT NULL CHECK (id_seq >= 0),
    client_id uuid        NOT NULL,
    user_id   uuid        NOT NULL,
    username  text        NOT NULL,
    text      text        NOT NULL CHECK (char_length(text) BETWEEN 1 AND 2000),
    sent_at   timestamptz NOT NULL,
    PRIMARY KEY (room_id, id_ms, id_seq)
);
CREATE UNIQUE INDEX messages_room_client_key ON messages (room_id, client_id);

-- +goose Down
DROP TABLE messages;
