-- The hall's data: catalogue, queues and tickets, appointments, cases, 一证通办 records and proofs,
-- reviews, complaints, device reports, and the idempotency ledger of kiosk POSTs.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE categories (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sort INTEGER NOT NULL
);

CREATE TABLE queues (
    code                TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    prefix              TEXT NOT NULL UNIQUE,
    windows             TEXT NOT NULL,          -- JSON list of window numbers
    weekdays            TEXT NOT NULL,          -- ISO weekdays it opens, e.g. "12345"
    opens               TEXT NOT NULL,          -- "09:00"
    closes              TEXT NOT NULL,          -- "17:00"
    avg_service_minutes INTEGER NOT NULL,
    appointments_ahead  INTEGER NOT NULL        -- 1: checked-in appointments go before walk-ins
);

CREATE TABLE matters (
    code          TEXT PRIMARY KEY,
    category_code TEXT NOT NULL REFERENCES categories(code),
    name          TEXT NOT NULL,
    department    TEXT NOT NULL,
    conditions    TEXT NOT NULL,               -- JSON list of sentences
    materials     TEXT NOT NULL,               -- JSON list of {name, copies, original, note}
    fees          TEXT NOT NULL,
    legal_days    INTEGER NOT NULL,
    promised_days INTEGER NOT NULL,
    location      TEXT NOT NULL,
    queue_code    TEXT NOT NULL REFERENCES queues(code),
    one_id        INTEGER NOT NULL,            -- 一证通办
    cross_region  INTEGER NOT NULL,            -- 跨区通办
    appointable   INTEGER NOT NULL
);

CREATE TABLE packages (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    matter_codes  TEXT NOT NULL,               -- JSON list
    promised_days INTEGER NOT NULL
);

CREATE TABLE queue_counters (
    queue_code   TEXT NOT NULL,
    service_date TEXT NOT NULL,
    last_number  INTEGER NOT NULL,
    PRIMARY KEY (queue_code, service_date)
);

CREATE TABLE tickets (
    id             TEXT PRIMARY KEY,
    queue_code     TEXT NOT NULL REFERENCES queues(code),
    service_date   TEXT NOT NULL,
    number         INTEGER NOT NULL,
    display        TEXT NOT NULL,
    rank           INTEGER NOT NULL,           -- 0 appointment, 1 priority, 2 walk-in
    priority       TEXT NOT NULL,
    id_number      TEXT,
    matter_code    TEXT,
    appointment_id TEXT,
    kiosk_id       TEXT,
    status         TEXT NOT NULL,              -- waiting | called | served | missed
    "window"       INTEGER,                    -- quoted: a reserved word in PostgreSQL
    issued_at      TEXT NOT NULL,
    called_at      TEXT,
    finished_at    TEXT,
    UNIQUE (queue_code, service_date, number)
);
CREATE INDEX tickets_waiting ON tickets (queue_code, service_date, status, rank, number);

CREATE TABLE appointments (
    id           TEXT PRIMARY KEY,
    id_number    TEXT NOT NULL,
    matter_code  TEXT NOT NULL REFERENCES matters(code),
    service_date TEXT NOT NULL,
    slot_start   TEXT NOT NULL,
    slot_end     TEXT NOT NULL,
    phone        TEXT,
    status       TEXT NOT NULL,                -- booked | checked_in | cancelled
    ticket_id    TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX appointments_person ON appointments (id_number, service_date);
CREATE INDEX appointments_slot ON appointments (matter_code, service_date, slot_start, status);

CREATE TABLE cases (
    case_number    TEXT PRIMARY KEY,
    id_number      TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    matter_code    TEXT NOT NULL REFERENCES matters(code),
    status         TEXT NOT NULL,              -- accepted | approving | completed | delivered
    accepted_at    TEXT NOT NULL,
    due_date       TEXT NOT NULL
);
CREATE INDEX cases_person ON cases (id_number);

CREATE TABLE case_steps (
    case_number TEXT NOT NULL REFERENCES cases(case_number),
    seq         INTEGER NOT NULL,
    step        TEXT NOT NULL,                 -- accept | approve | complete | deliver
    status      TEXT NOT NULL,                 -- done | current | pending
    at          TEXT,
    office      TEXT NOT NULL,
    note        TEXT NOT NULL,
    PRIMARY KEY (case_number, seq)
);

CREATE TABLE records (
    id_number  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    fields     TEXT NOT NULL,                  -- JSON list of {label, value}
    updated_at TEXT NOT NULL,
    PRIMARY KEY (id_number, kind)
);

CREATE TABLE proofs (
    proof_number      TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    id_number         TEXT NOT NULL,
    verification_code TEXT NOT NULL UNIQUE,
    issued_at         TEXT NOT NULL,
    lines             TEXT NOT NULL            -- JSON list of printable lines (masked)
);

CREATE TABLE reviews (
    id            TEXT PRIMARY KEY,
    target_kind   TEXT NOT NULL,               -- ticket | case
    target_id     TEXT NOT NULL,
    level         TEXT NOT NULL,
    overall       TEXT,
    efficiency    TEXT,
    service_level TEXT,
    attitude      TEXT,
    reasons       TEXT NOT NULL,               -- JSON list of reason codes
    comment       TEXT NOT NULL,
    channel       TEXT NOT NULL,               -- kiosk | mobile
    kiosk_id      TEXT,
    created_at    TEXT NOT NULL,
    UNIQUE (target_kind, target_id)
);

CREATE TABLE callback_requests (
    id         INTEGER PRIMARY KEY,
    review_id  TEXT NOT NULL REFERENCES reviews(id),
    phone      TEXT NOT NULL,
    status     TEXT NOT NULL,                  -- pending | done
    created_at TEXT NOT NULL
);

CREATE TABLE complaints (
    number        TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,               -- complaint | suggestion
    content       TEXT NOT NULL,
    matter_code   TEXT,
    ticket_id     TEXT,
    contact_phone TEXT,
    kiosk_id      TEXT,
    created_at    TEXT NOT NULL
);

CREATE TABLE heartbeats (
    kiosk_id    TEXT PRIMARY KEY,
    received_at TEXT NOT NULL,
    status      TEXT NOT NULL,
    report      TEXT NOT NULL                  -- JSON as sent
);

CREATE TABLE device_events (
    id          INTEGER PRIMARY KEY,
    kiosk_id    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    type        TEXT NOT NULL,
    severity    TEXT NOT NULL,
    message     TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (kiosk_id, event_id)
);

CREATE TABLE idempotency (
    kiosk_id     TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state        TEXT NOT NULL,                -- in_flight | done
    status       INTEGER,
    response     TEXT,
    created_at   REAL NOT NULL,                -- Unix time, to expire abandoned claims
    PRIMARY KEY (kiosk_id, key)
);
