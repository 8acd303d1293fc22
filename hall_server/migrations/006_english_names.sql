-- English names beside the Chinese ones, for kiosks showing English (issue 16). Optional: a hall that has none
-- leaves them NULL and the API leaves the field out; the kiosk then shows the Chinese name.
ALTER TABLE categories ADD COLUMN name_en TEXT;
ALTER TABLE queues ADD COLUMN name_en TEXT;
ALTER TABLE matters ADD COLUMN name_en TEXT;
ALTER TABLE packages ADD COLUMN name_en TEXT;
