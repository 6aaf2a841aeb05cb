-- Key-task roll-up over a range of periods, for one region's subtree (store/taskrollup.go).
--
-- @periods are the periods lying wholly inside the range (each whole year and its quarters,
-- the quarters at the range's ends). A unit's year counts once: its yearly submission where
-- it has one among them, else its quarters inside the range.
--
-- Two kinds of rows:
--   OUTPUT  task_id, name = the output key,  value = the exact sum (numeric, as text),
--           units = the regions whose figures are in it
--   STATUS  task_id, name = the region code, value = the status, period = the period reported
WITH subs AS (
	-- year_reported: the unit has its yearly submission for the year among these (period_year
	-- and period_quarter are the period's, as the roll-up reads them). A window over the
	-- unit's submissions, not a NOT EXISTS on subs itself: with the planner's one-row estimate
	-- for subs, that was a nested loop of every submission's task reports against every
	-- submission, 210,000 pairs and 20 ms for a city over 2021..2023.
	SELECT s.id, s.region_code, s.period, s.period_quarter,
		bool_or(s.period_quarter = 0) OVER (PARTITION BY s.region_code, s.period_year) AS year_reported
	FROM submissions s
	-- The subtree as a byte-order range too (@subtree_from, @subtree_to), which reaches
	-- submissions_list_idx under row-level security; LIKE, not leakproof, would be applied only
	-- after the policy, to every submission in the caller's scope (store.whereSubtree).
	WHERE s.plan_id = @plan AND s.period = ANY (@periods) AND s.region_path LIKE @subtree
		AND s.region_path ~>=~ @subtree_from AND s.region_path ~<~ @subtree_to
		AND s.status = ANY (@statuses)
), used AS (
	SELECT q.id, q.region_code, q.period
	FROM subs q
	WHERE q.period_quarter = 0 OR NOT q.year_reported
), reports AS (
	SELECT tr.task_id, tr.status, tr.outputs, u.region_code, u.period
	FROM task_reports tr
	JOIN used u ON u.id = tr.submission_id
)
SELECT 'OUTPUT' AS kind, r.task_id, o.key AS name, sum(o.value::numeric)::text AS value, '' AS period,
	string_agg(DISTINCT r.region_code, ',') AS units
FROM reports r
CROSS JOIN LATERAL jsonb_each_text(r.outputs) AS o(key, value)
GROUP BY r.task_id, o.key
UNION ALL
SELECT 'STATUS', r.task_id, r.region_code, r.status, r.period, ''
FROM reports r
