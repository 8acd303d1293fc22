-- Complaint numbers (TS202611230001, JY...) come from a counter per kind and day, as queue numbers do,
-- allocated in the complaint's own transaction: counting the day's complaints at every insert grew slower
-- with every complaint, which a kiosk's outbox delivering thousands at once made plain.
CREATE TABLE complaint_counters (
    prefix      TEXT PRIMARY KEY,              -- "TS20261123": kind and hall date
    last_number INTEGER NOT NULL
);
INSERT INTO complaint_counters (prefix, last_number)
    SELECT substr(number, 1, 10), COUNT(*) FROM complaints GROUP BY substr(number, 1, 10);
