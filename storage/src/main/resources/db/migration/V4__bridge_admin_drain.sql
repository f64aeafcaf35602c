-- The operator's drain of an SFU (POST /api/bridges/drain) outlives a restart and is seen by every node.
ALTER TABLE focus_bridges ADD COLUMN admin_drain BOOLEAN DEFAULT FALSE NOT NULL;
