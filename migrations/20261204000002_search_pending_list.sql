-- The name search's trigram index keeps a small pending list.
--
-- GIN puts new entries in a pending list (fastupdate) that every search reads in full until
-- it is merged into the index: up to gin_pending_list_limit, 4 MB by default, and at scale
-- nothing merges it sooner (autovacuum's insert threshold is a fifth of the table: 200,000
-- creations at a million schedules). Measured at 21,000 names right after 5,000 creations:
-- 133 pending pages, and the planner, rightly, read every name instead of the index
-- (4.2 ms; 0.2 ms once merged). With 256 kB the creations still go through the pending
-- list in batches, and what a search reads is bounded (26 pending pages after the same
-- 5,000 creations: 1.1 ms, through the index).

ALTER INDEX schedule_names_trgm_idx SET (gin_pending_list_limit = 256);
