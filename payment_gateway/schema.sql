-- The reference gateway's database: orders as WeChat Pay keeps them, refunds, injected behaviours, and a log.
CREATE TABLE orders (
    out_trade_no      TEXT PRIMARY KEY,
    mchid             TEXT NOT NULL,
    appid             TEXT NOT NULL,
    trade_type        TEXT NOT NULL,                 -- MICROPAY (payment code) or NATIVE
    description       TEXT NOT NULL,
    total             INTEGER NOT NULL,              -- fen
    auth_code_hash    TEXT,                          -- SHA-256 of the payment code: the code itself is never kept
    auth_code_masked  TEXT,
    transaction_id    TEXT NOT NULL UNIQUE,
    trade_state       TEXT NOT NULL,
    failure_code      TEXT,                          -- why PAYERROR (NOTENOUGH, ...)
    created_at        TEXT NOT NULL,
    created_s         REAL NOT NULL,
    confirm_s         REAL,                          -- when the user confirms on the phone; NULL: never
    success_time      TEXT,
    payer_openid      TEXT NOT NULL,
    device_id         TEXT NOT NULL DEFAULT '',
    refunded          INTEGER NOT NULL DEFAULT 0,    -- fen refunded
    money_returned    INTEGER NOT NULL DEFAULT 0,    -- 1: paid, then reversed: the money went back to the user
    behaviour         TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE refunds (
    out_refund_no     TEXT PRIMARY KEY,
    refund_id         TEXT NOT NULL UNIQUE,
    out_trade_no      TEXT NOT NULL REFERENCES orders(out_trade_no),
    amount            INTEGER NOT NULL,
    status            TEXT NOT NULL,
    reason            TEXT NOT NULL DEFAULT '',
    created_at        TEXT NOT NULL,
    success_time      TEXT
);
CREATE TABLE behaviours (
    key               TEXT PRIMARY KEY,              -- "code:<payment code>" or "order:<out_trade_no>"
    behaviour         TEXT NOT NULL
);
CREATE TABLE events (
    id                INTEGER PRIMARY KEY,
    out_trade_no      TEXT NOT NULL,
    at                TEXT NOT NULL,
    event             TEXT NOT NULL
);
CREATE INDEX events_by_order ON events(out_trade_no);
