-- A record of a past measurement, on the schema of its day: since migrations
-- 20261202000001 (schedule_names.folded) and 20261202000002 (a schedule's state, next run and
-- claim live in schedule_runtime) it does not run as written on today's schema.
-- The schedules list with a name search, as store::schedules::list runs it, on 1,000,000
-- schedules: `psql -d million -f docs/million-search.sql` (see docs/benchmarks.md).
PREPARE s(text, text, text, uuid, bigint) AS SELECT id, name, spec, target_url, target_method, target_headers, target_body, max_attempts, backoff_initial_ms, backoff_max_ms, misfire, on_dead, dead_fires, state, next_run_at, fire_at, attempt, claimed_by, last_fired_at, last_outcome, last_error, dead_at, version, created_at, updated_at FROM schedules
 WHERE ($1::text IS NULL OR state = $1 OR ($1 = 'failing' AND state = 'active' AND last_outcome = 'failure'))
   AND name ILIKE $2 AND id IN (SELECT id FROM schedule_names WHERE name ILIKE $2)
   AND ($3::text IS NULL OR (name, id) > ($3, $4::uuid))
 ORDER BY name, id LIMIT $5;
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) EXECUTE s(NULL, '%0421%', NULL, NULL, 50);
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) EXECUTE s(NULL, '%job 9999%', NULL, NULL, 50);
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) EXECUTE s(NULL, '%job%', NULL, NULL, 50);
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) EXECUTE s('dead', '%0421%', NULL, NULL, 50);
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) EXECUTE s(NULL, '%job%', 'job 5', '00000000-0000-0000-0000-000000000000', 50);
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) EXECUTE s(NULL, '%0421%', NULL, NULL, 50);
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) EXECUTE s(NULL, '%0421%', NULL, NULL, 50);
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) EXECUTE s(NULL, '%zz%', NULL, NULL, 50);
