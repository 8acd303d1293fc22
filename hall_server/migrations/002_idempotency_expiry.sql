-- Answers in the idempotency ledger are kept for a week (long enough for a kiosk's outbox to redeliver
-- after an outage), then purged; this index keeps the purge cheap.
CREATE INDEX idempotency_age ON idempotency (created_at);
