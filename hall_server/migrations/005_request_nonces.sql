-- The nonces of signed requests, kept for twice the signature window so that a captured request cannot be
-- replayed after a restart either (an in-memory record forgot them all).
CREATE TABLE request_nonces (
    kiosk_id TEXT NOT NULL,
    nonce    TEXT NOT NULL,
    seen_at  REAL NOT NULL,                 -- Unix time
    PRIMARY KEY (kiosk_id, nonce)
);
CREATE INDEX request_nonces_seen_at ON request_nonces (seen_at);
