-- The citizen's own reference for a complaint: the kiosk shows its outbox item id as the reference number
-- and sends it as the Idempotency-Key, so staff can find a complaint by the number the citizen quotes.
-- Complaints stored before this have none.
ALTER TABLE complaints ADD COLUMN reference TEXT;
CREATE INDEX complaints_reference ON complaints (kiosk_id, reference);
