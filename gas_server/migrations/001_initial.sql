-- The gas utility's data: tariffs (阶梯气价 and limits), accounts with their cards and meters, the volume
-- bought before this system's orders, orders with their explicit states and every transition, and the
-- idempotency ledger of terminal POSTs. Money in fen, volumes in tenths of a cubic metre (0.1 m³).

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE tariffs (
    code                   TEXT PRIMARY KEY,
    name                   TEXT NOT NULL,
    tiers                  TEXT NOT NULL,      -- JSON [{"up_to_tenths_m3": 3600 | null, "price_fen_per_m3": 267}, ...]
    min_purchase_tenths_m3 INTEGER NOT NULL,
    per_purchase_tenths_m3 INTEGER NOT NULL,
    yearly_tenths_m3       INTEGER NOT NULL
);

CREATE TABLE accounts (
    account_number      TEXT PRIMARY KEY,      -- 用户号, also on the card
    card_number         TEXT NOT NULL UNIQUE,
    meter_number        TEXT NOT NULL,
    holder              TEXT NOT NULL,
    address             TEXT NOT NULL,
    measure             TEXT NOT NULL CHECK (measure IN ('volume', 'amount')),
    tariff_code         TEXT NOT NULL REFERENCES tariffs(code),
    purchase_count_base INTEGER NOT NULL,      -- the card's count when its history came into this system
    arrears_fen         INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE usage_before (
    account_number   TEXT NOT NULL REFERENCES accounts(account_number),
    year             INTEGER NOT NULL,
    volume_tenths_m3 INTEGER NOT NULL,         -- bought that year before this system's orders
    PRIMARY KEY (account_number, year)
);

CREATE TABLE order_counters (
    service_date TEXT PRIMARY KEY,
    last_number  INTEGER NOT NULL
);

CREATE TABLE orders (
    order_id               TEXT PRIMARY KEY,   -- GO + site date + daily sequence: GO20261123000001
    account_number         TEXT NOT NULL REFERENCES accounts(account_number),
    card_number            TEXT NOT NULL,
    purchase_count         INTEGER NOT NULL,   -- the count the card will carry once written
    state                  TEXT NOT NULL CHECK (state IN ('created', 'paid', 'write_reserved', 'written',
                                                          'write_failed', 'refunded', 'cancelled')),
    amount_fen             INTEGER NOT NULL,
    volume_tenths_m3       INTEGER NOT NULL,
    card_measure           TEXT NOT NULL,
    card_value             INTEGER NOT NULL,   -- what the card is written with, in its measure's unit
    tiers                  TEXT NOT NULL,      -- JSON breakdown by tier
    tariff_year            INTEGER NOT NULL,
    terminal_id            TEXT NOT NULL,      -- the terminal that created it (reconciliation)
    service_date           TEXT NOT NULL,      -- the site day it was created
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    payment_method         TEXT,
    payment_transaction    TEXT,
    paid_at                TEXT,               -- as the payment channel reported it
    payment_recorded_at    TEXT,
    payment_recorded_by    TEXT,
    reservation_id         TEXT,
    reserved_by            TEXT,
    reserved_at            TEXT,
    reservation_expires_at TEXT,
    write_outcome          TEXT,               -- written | failed: the last confirmation
    write_read_back        TEXT,               -- JSON, or NULL when the card could not be read
    write_error_code       TEXT,
    write_reported_at      TEXT,
    write_reported_by      TEXT,
    refund_reason          TEXT,
    refund_method          TEXT,
    refund_reference       TEXT,
    refunded_at            TEXT,
    refunded_by            TEXT,
    cancel_reason          TEXT,
    cancelled_at           TEXT,
    cancelled_by           TEXT
);
-- One live order per purchase of a card: a cancelled or refunded one frees its purchase count.
CREATE UNIQUE INDEX orders_live_purchase ON orders (card_number, purchase_count)
    WHERE state NOT IN ('cancelled', 'refunded');
CREATE INDEX orders_by_card ON orders (card_number, state);
CREATE INDEX orders_by_terminal_day ON orders (terminal_id, service_date);
CREATE INDEX orders_by_writer ON orders (write_reported_by, write_reported_at);

CREATE TABLE order_events (
    order_id    TEXT NOT NULL REFERENCES orders(order_id),
    seq         INTEGER NOT NULL,
    state       TEXT NOT NULL,
    at          TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    PRIMARY KEY (order_id, seq)
);

CREATE TABLE idempotency (
    terminal_id  TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state        TEXT NOT NULL,                -- in_flight | done
    status       INTEGER,
    response     TEXT,
    created_at   REAL NOT NULL,
    PRIMARY KEY (terminal_id, key)
);
CREATE INDEX idempotency_age ON idempotency (created_at);
