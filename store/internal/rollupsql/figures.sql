-- figures.sql computes refrollup.RollupTotals for every target × period × element asked, and
-- refrollup.Completeness for every target × period × set asked, in one statement that reads
-- each value it needs once. Its shape, and why:
--
-- The expensive part is reading data_values (a national year is ~16,000 submissions and
-- ~520,000 values), so the statement reads as little as the definitions allow, always by
-- index, and works per region or by hashing after that. It never joins two large
-- intermediate results: with array parameters, CTEs and the row-level-security filter
-- (whose selectivity PostgreSQL takes to be a constant 0.5%) the planner's row estimates are
-- guesses, often rows=1, and a nested loop between two sets of 100,000 rows is what made
-- the earlier version of these queries take minutes. LATERAL subqueries (with OFFSET 0 where
-- the planner could otherwise flatten them) fix the shape where it matters, which is also why
-- one generic plan serves every call (see figuresSettings).
--
--  1. rp: one row per region and period asked that has counted submissions (a status counted
--     for the totals or for completeness), found by index range scans on
--     submissions_scope_idx, one per root target. It holds the exact submission, the one
--     of the period itself: the quarter asked, or a year's yearly submission, which
--     overrides its quarters. tords lists the targets whose subtree holds the region (a
--     few: a dashboard's region and one of its children), owns whether it is that target,
--     so that the values are later assigned to targets by these small arrays rather than by
--     a prefix test of every value against every target.
--  2. ex: each region's exact submission, read by one index scan of data_values into arrays.
--     A region reads only the elements relevant to its kind (classes: see regionClass; a
--     bitmap per class, tested per row), so an element that cannot change a figure there is
--     neither read nor counted. Unless the region is full (no exact submission, or one whose
--     status does not count for what the region needs), the exact values are final for the
--     elements it holds, and its quarters matter only for the relevant elements it lacks. At
--     national scale that is nothing for a county, which holds every county element yearly:
--     four fifths of the data are never read. When every element id is below 64 (@masked),
--     the same aggregate also makes the bitmask of the elements held (mask), which stands
--     for the list wherever lists are compared or grouped below.
--  3. quarters: the regions whose quarters can matter, and only those, read their year's
--     quarterly submissions (found by index) and aggregate per element over time as
--     refrollup.AggregateTime does: the exact value, else SUM / AVERAGE / LAST over the
--     quarters present; whether that covers the whole period (complete); and for
--     completeness whether the element was reported and whether every submission the time
--     roll-up reads is APPROVED. A full region aggregates every element, its exact values
--     included; the others only the elements their exact submission lacks, each looked up
--     by index in each quarterly submission when fewer are lacking than the exact
--     submission holds, else read with the rest and filtered. The results stay with the
--     region as arrays.
--  4. units, signatures, groups: each region's values over each range asked, and the
--     regions of each target and range grouped by level, by whether the region is the
--     target, and by the elements it has (sig: the bitmask, else the rank of the list), with
--     per element the aggregates every region rule needs (refrollup.AggregateRegions);
--     figureTotals in Go decides which groups count in which figure. The values are
--     unnested once, into one hash aggregation keyed by three numbers.
--  5. Completeness: unit_elements lists per unit the elements it reported and those not all
--     approved (bitmasks, else arrays); reported groups the units of each target with the
--     same lists, so that Figures works out once per group which sets they reported
--     (classify); expected lists each target's regions at a set's levels, once per distinct
--     list of levels (sigs). Lists of region codes come back comma-separated (codes are six
--     digits), sorted.
--
-- The result is the elements of each sig (kind 0), then per target, range, group and element
-- the aggregates (kind 1), then the reporting units by target, range, level and element lists
-- (kind 2), then the expected units by target and list of levels (kind 3). Bitmasks go back
-- to Go as arrays of element ids, made for the few rows returned.
--
-- Parameters are named (@codes, @paths, ...): see figuresParams in figures.go.
WITH
targets AS (
	SELECT t.code, t.path, t.ord
	FROM unnest(CAST(@codes AS text[]), CAST(@paths AS text[])) WITH ORDINALITY AS t(code, path, ord)
),
periods AS (
	SELECT p.year::int AS year, p.quarter::int AS quarter, p.ord
	FROM unnest(CAST(@years AS bigint[]), CAST(@quarters AS bigint[])) WITH ORDINALITY AS p(year, quarter, ord)
),
-- The ranges asked, as the periods (parts) that tile each: pos is the part's place in its
-- range, n the range's number of parts.
range_parts AS MATERIALIZED (
	SELECT m.rord, m.pord, m.pos, m.n
	FROM unnest(CAST(@range_ords AS bigint[]), CAST(@range_parts AS bigint[]), CAST(@range_pos AS bigint[]),
		CAST(@range_n AS bigint[])) AS m(rord, pord, pos, n)
),
-- The roots are the targets no other target contains, so that their subtrees are disjoint and
-- no submission is read twice. The subtree test is the range [path, path without its final
-- '/' followed by '0'), which is exactly the paths starting with path since '0' is the byte
-- after '/': unlike LIKE with a pattern from a column, a range on ~>=~ and ~<~ is an index
-- condition, and its operators are leakproof, so the planner may still use it under the
-- row-level-security policy. MATERIALIZED so that the end of the range reaches the scan as a
-- plain value: inlined, left() and || (not leakproof) would keep it out of the index condition.
roots AS MATERIALIZED (
	SELECT DISTINCT t.path, left(t.path, -1) || '0' AS path_end FROM targets t
	WHERE NOT EXISTS (SELECT 1 FROM targets o WHERE o.path <> t.path AND starts_with(t.path, o.path))
),
-- The caller's plan (see figuresPlan): the kinds of region.
classes AS MATERIALIZED (
	SELECT c.level, c.is_target, CAST(c.irrelevant AS bigint[]) AS irrelevant, decode(c.bits, 'hex') AS bits, c.n,
		c.needs_value, c.needs_coverage, c.mask
	FROM unnest(CAST(@class_levels AS text[]), CAST(@class_targets AS boolean[]),
		CAST(@class_irrelevant AS text[]), CAST(@class_bits AS text[]), CAST(@class_n AS bigint[]),
		CAST(@class_value AS boolean[]), CAST(@class_coverage AS boolean[]), CAST(@class_masks AS bigint[]))
		AS c(level, is_target, irrelevant, bits, n, needs_value, needs_coverage, mask)
),
-- One row per region and period asked with counted submissions (step 1). OFFSET 0 keeps the
-- planner from moving the range of roots out of the index condition.
rp AS MATERIALIZED (
	SELECT c.*, g.level,
		coalesce(c.exact_status = ANY (CAST(@statuses AS text[])), false) AS exact_for_value,
		coalesce(c.exact_status = ANY (CAST(@cstatuses AS text[])), false) AS exact_for_coverage,
		coalesce(c.exact_status = 'APPROVED', false) AS exact_approved,
		m.tords, m.owns, true = ANY (m.owns) AS is_target
	FROM (
		SELECT s.region_path, s.region_code AS code, p.ord AS pord, p.year, p.quarter,
			max(s.id) FILTER (WHERE s.period_quarter = p.quarter) AS exact_id,
			max(s.status) FILTER (WHERE s.period_quarter = p.quarter) AS exact_status
		FROM roots r
		CROSS JOIN LATERAL (
			SELECT s.id, s.region_code, s.region_path, s.period_year, s.period_quarter, s.status
			FROM submissions s
			WHERE s.plan_id = @plan AND s.period_year = ANY (CAST(@years AS int[]))
				AND s.region_path ~>=~ r.path AND s.region_path ~<~ r.path_end
				AND s.status = ANY (CAST(@some_statuses AS text[]))
			OFFSET 0
		) s
		JOIN periods p ON p.year = s.period_year AND (p.quarter = 0 OR p.quarter = s.period_quarter)
		GROUP BY s.region_path, s.region_code, p.ord, p.year, p.quarter
	) c
	JOIN regions g ON g.code = c.code
	CROSS JOIN LATERAL (
		SELECT array_agg(t.ord) AS tords, array_agg(t.path = c.region_path) AS owns
		FROM targets t WHERE starts_with(c.region_path, t.path)
	) m
),
-- Each region's exact submission, and what its quarters are needed for (step 2).
ex AS MATERIALIZED (
	SELECT e.*,
		-- The relevant elements it lacks, when there are fewer than it holds (see quarters).
		CASE WHEN NOT e.full AND e.lacking > 0 AND e.lacking < e.held THEN
			ARRAY(SELECT m FROM unnest(CAST(@read AS bigint[])) AS m
				WHERE NOT (m = ANY (e.irrelevant)) AND NOT (m = ANY (e.ids)))
		END AS missing
	FROM (
		SELECT r.*, x.ids, x.vals, coalesce(x.mask, 0) AS mask, cardinality(x.ids) AS held,
			coalesce(k.irrelevant, '{}') AS irrelevant, coalesce(k.bits, CAST(@read_bits AS bytea)) AS bits,
			k.n - cardinality(x.ids) AS lacking,
			-- (A level the caller has no class for counts as full: everything is read.)
			k.level IS NULL OR NOT (r.exact_id IS NOT NULL
				AND (r.exact_for_value OR NOT k.needs_value)
				AND (r.exact_for_coverage OR NOT k.needs_coverage)) AS full
		FROM rp r
		LEFT JOIN classes k ON k.level = r.level AND k.is_target = r.is_target
		-- The submission's values, one row of arrays (submission_values, migration 0011); none
		-- without an exact submission.
		LEFT JOIN LATERAL (
			SELECT sv.ids, sv.vals, sv.mask, sv.maskable, sv.max_abs
			FROM submission_values sv WHERE sv.submission_id = r.exact_id
		) s ON true
		-- Whole: every element it holds is relevant to the region's kind (the class's mask, or
		-- every element read) and no value is out of range, so its arrays are what the region
		-- reads, as they are. Nationally that is every county: no value is looked at here.
		CROSS JOIN LATERAL (
			SELECT coalesce(@masked AND s.maskable AND s.max_abs < @max_magnitude
				AND s.mask & ~coalesce(k.mask, CAST(@read_mask AS bigint)) = 0, false) AS whole
		) w
		CROSS JOIN LATERAL (
			SELECT s.ids, s.vals, s.mask WHERE w.whole
			UNION ALL
			-- Otherwise the relevant values, in range. Empty, not NULL, when it holds none of
			-- them (= ANY of NULL would drop its quarters). It tests a bit of the class's bitmap
			-- (bit n set: element n is relevant to the region's kind) rather than = ANY, which
			-- compares each value with every element (a parameter array is not hashed);
			-- @read_limit is 0 when the ids are too large for a bitmap, and then = ANY it is.
			SELECT coalesce(array_agg(u.element_id), '{}'), coalesce(array_agg(u.value), '{}'),
				bit_or(CASE WHEN @masked THEN CAST(1 AS bigint) << CAST(u.element_id AS int) END)
			FROM unnest(s.ids, s.vals) AS u(element_id, value)
			WHERE NOT w.whole AND CASE WHEN u.element_id >= 0 AND u.element_id < @read_limit
					THEN get_bit(coalesce(k.bits, CAST(@read_bits AS bytea)), CAST(u.element_id AS int)) = 1
					ELSE @read_limit = 0 AND u.element_id = ANY (CAST(@read AS bigint[]))
						AND NOT (u.element_id = ANY (coalesce(k.irrelevant, '{}'))) END
				AND abs(u.value) < @max_magnitude
			HAVING NOT w.whole
		) x
	) e
),
-- The regions whose quarters matter, with the time aggregation of the elements they are
-- read for (step 3), as arrays.
quarters AS MATERIALIZED (
	SELECT e.*, g.q_ids, g.q_vals, g.q_complete, g.q_reported, g.q_unapproved, g.q_vmask, g.q_rmask, g.q_umask
	FROM ex e
	CROSS JOIN LATERAL (
		SELECT array_agg(a.element_id) AS q_ids, array_agg(a.value) AS q_vals,
			array_agg(a.complete) AS q_complete,
			array_agg(a.element_id) FILTER (WHERE a.reported) AS q_reported,
			array_agg(a.element_id) FILTER (WHERE a.reported AND NOT a.approved) AS q_unapproved,
			-- The same lists as bitmasks (@masked): of the elements with a value, reported, unapproved.
			coalesce(bit_or(a.bit) FILTER (WHERE a.value IS NOT NULL), 0) AS q_vmask,
			coalesce(bit_or(a.bit) FILTER (WHERE a.reported), 0) AS q_rmask,
			coalesce(bit_or(a.bit) FILTER (WHERE a.reported AND NOT a.approved), 0) AS q_umask
		FROM (
			SELECT r.element_id, CASE WHEN @masked THEN CAST(1 AS bigint) << CAST(r.element_id AS int) END AS bit,
				coalesce(
					max(r.value) FILTER (WHERE r.exact AND r.for_value),
					CASE (CAST(@time_rules AS text[]))[array_position(CAST(@read AS bigint[]), r.element_id)]
						WHEN 'SUM' THEN sum(r.value) FILTER (WHERE r.for_value)
						WHEN 'AVERAGE' THEN avg(r.value) FILTER (WHERE r.for_value)
						WHEN 'LAST' THEN coalesce(
							max(r.value) FILTER (WHERE r.for_value AND r.quarter = 4),
							max(r.value) FILTER (WHERE r.for_value AND r.quarter = 3),
							max(r.value) FILTER (WHERE r.for_value AND r.quarter = 2),
							max(r.value) FILTER (WHERE r.for_value AND r.quarter = 1))
					END) AS value,
				-- The value covers its whole period: the exact submission, or all four quarters
				-- of a year (a region has one submission per quarter).
				coalesce(bool_or(r.exact) FILTER (WHERE r.for_value), false)
					OR count(*) FILTER (WHERE r.for_value) = 4 AS complete,
				coalesce(bool_or(r.for_coverage), false) AS reported,
				-- The submissions the time roll-up reads: the exact one if it holds the
				-- element, else the quarters.
				CASE WHEN bool_or(r.exact AND r.for_coverage)
					THEN bool_and(r.approved) FILTER (WHERE r.exact AND r.for_coverage)
					ELSE bool_and(r.approved) FILTER (WHERE r.for_coverage) END AS approved
			FROM (
				SELECT u.element_id, u.value, true AS exact, 0 AS quarter,
					e.exact_for_value AS for_value, e.exact_for_coverage AS for_coverage,
					e.exact_approved AS approved
				FROM unnest(e.ids, e.vals) AS u(element_id, value)
				WHERE e.full
				UNION ALL
				SELECT v.element_id, v.value, false, q.period_quarter,
					q.status = ANY (CAST(@statuses AS text[])), q.status = ANY (CAST(@cstatuses AS text[])),
					q.status = 'APPROVED'
				FROM submissions q
				CROSS JOIN LATERAL (
					SELECT v.element_id, v.value FROM data_values v
					WHERE v.submission_id = q.id AND e.missing IS NULL
						AND CASE WHEN v.element_id >= 0 AND v.element_id < @read_limit
							THEN get_bit(e.bits, CAST(v.element_id AS int)) = 1
							ELSE @read_limit = 0 AND v.element_id = ANY (CAST(@read AS bigint[]))
								AND NOT (v.element_id = ANY (e.irrelevant)) END
						AND (e.full OR NOT (v.element_id = ANY (e.ids)))
						AND abs(v.value) < @max_magnitude
					UNION ALL
					-- One index descent per missing element.
					SELECT v.element_id, v.value FROM data_values v
					WHERE v.submission_id = q.id AND v.element_id = ANY (e.missing)
						AND abs(v.value) < @max_magnitude
					OFFSET 0
				) v
				WHERE e.quarter = 0 AND q.plan_id = @plan AND q.period_year = e.year
					AND q.region_path = e.region_path AND q.period_quarter <> 0
					AND q.status = ANY (CAST(@some_statuses AS text[]))
			) r
			GROUP BY r.element_id
		) a
	) g
	WHERE e.full OR e.lacking > 0
),
-- Every region's values for each period that is part of a longer range, and whether each
-- covers the whole period: its exact values unless the region is full, and the results of
-- quarters (disjoint).
region_parts AS (
	SELECT e.region_path, e.code, e.level, e.tords, e.owns, e.pord, x.element_id, x.value, true AS complete
	FROM ex e
	CROSS JOIN LATERAL unnest(e.ids, e.vals) AS x(element_id, value)
	WHERE NOT e.full AND e.exact_for_value AND e.pord IN (SELECT pord FROM range_parts WHERE n > 1)
	UNION ALL
	SELECT q.region_path, q.code, q.level, q.tords, q.owns, q.pord, x.element_id, x.value, x.complete
	FROM quarters q
	CROSS JOIN LATERAL unnest(q.q_ids, q.q_vals, q.q_complete) AS x(element_id, value, complete)
	WHERE x.value IS NOT NULL AND q.pord IN (SELECT pord FROM range_parts WHERE n > 1)
),
-- Each region's value over each range of several parts (step 4), combining its parts by the
-- element's time rule, as refrollup.AggregateRange does: SUM adds them, AVERAGE averages them,
-- LAST takes the latest part's; complete when every part is there and whole (LAST: when the
-- range's last part is).
region_ranges AS (
	SELECT x.region_path, x.code, x.level, x.tords, x.owns, x.rord, x.element_id,
		CASE x.rule WHEN 'SUM' THEN sum(x.value) WHEN 'AVERAGE' THEN avg(x.value)
			ELSE (array_agg(x.value ORDER BY x.pos DESC))[1] END AS value,
		CASE WHEN x.rule = 'LAST' THEN bool_or(x.pos = x.n AND x.complete)
			ELSE count(*) = max(x.n) AND bool_and(x.complete) END AS complete
	FROM (
		SELECT x.*, m.rord, m.pos, m.n,
			(CAST(@time_rules AS text[]))[array_position(CAST(@read AS bigint[]), x.element_id)] AS rule
		FROM region_parts x
		JOIN range_parts m ON m.pord = x.pord AND m.n > 1
	) x
	GROUP BY x.region_path, x.code, x.level, x.tords, x.owns, x.rord, x.element_id, x.rule
),
-- Per region and range: the elements it has a value of, with the values, whether each is
-- whole (completes; NULL when all are) and their bitmask (@masked). A range of one part is
-- that part: a region that read no quarters has its exact submission's arrays as they are
-- (no value there is NULL: data_values holds none, and all are whole); one that did merges
-- its exact values with what quarters found. (held is in no particular order: as arrays, two
-- regions with the same elements in another order only make two groups.)
units AS (
	SELECT e.region_path, e.code, e.level, e.tords, e.owns, m.rord, e.ids AS held, e.vals,
		NULL::boolean[] AS completes, e.mask
	FROM ex e
	JOIN range_parts m ON m.pord = e.pord AND m.n = 1
	WHERE NOT (e.full OR e.lacking > 0) AND e.exact_for_value AND cardinality(e.ids) > 0
	UNION ALL
	SELECT q.region_path, q.code, q.level, q.tords, q.owns, m.rord, a.held, a.vals, a.completes,
		CASE WHEN NOT q.full AND q.exact_for_value THEN q.mask ELSE 0 END | q.q_vmask
	FROM quarters q
	JOIN range_parts m ON m.pord = q.pord AND m.n = 1
	CROSS JOIN LATERAL (
		SELECT array_agg(x.element_id) AS held, array_agg(x.value) AS vals, array_agg(x.complete) AS completes
		FROM (
			SELECT u.element_id, u.value, true AS complete
			FROM unnest(q.ids, q.vals) AS u(element_id, value)
			WHERE NOT q.full AND q.exact_for_value
			UNION ALL
			SELECT u.element_id, u.value, u.complete
			FROM unnest(q.q_ids, q.q_vals, q.q_complete) AS u(element_id, value, complete)
			WHERE u.value IS NOT NULL
		) x
	) a
	WHERE a.held IS NOT NULL
	UNION ALL
	SELECT r.region_path, r.code, r.level, r.tords, r.owns, r.rord,
		array_agg(r.element_id), array_agg(r.value), array_agg(r.complete),
		bit_or(CASE WHEN @masked THEN CAST(1 AS bigint) << CAST(r.element_id AS int) END)
	FROM region_ranges r
	GROUP BY r.region_path, r.code, r.level, r.tords, r.owns, r.rord
),
-- The distinct lists of elements held, numbered, so that regions are grouped by a number:
-- the bitmask of the elements (@masked, when every id is below 64), else their rank.
signatures AS MATERIALIZED (
	SELECT u.*, CASE WHEN @masked THEN u.mask
		ELSE dense_rank() OVER (ORDER BY CASE WHEN NOT @masked THEN u.held END) END AS sig
	FROM units u
),
-- The regions of each target and range, grouped by level, by whether the region is the
-- target itself, and by the elements it has (step 4): per element, what every region rule
-- needs. A figure counts a region only when it has every element of the figure its level
-- collects; which groups qualify for which figure is worked out per figure in Go
-- (figureTotals), where the groups are few. weight is the region's value of the element's
-- weight, for a weighted average over the regions that have both.
groups AS (
	SELECT x.gk, x.sig, x.element_id,
		-- lo and hi only when a MIN or MAX element is asked, the weighted sums only when a
		-- weighted average is: the others skip them (a FILTER on a parameter costs less per
		-- value than the aggregate).
		sum(x.value) AS total, min(x.value) FILTER (WHERE @any_minmax) AS lo,
		max(x.value) FILTER (WHERE @any_minmax) AS hi, count(*) AS n,
		-- (complete is NULL for a region whose values are all whole, and bool_and skips it.)
		coalesce(bool_and(x.complete), true) AS complete,
		sum(x.value * w.weight) FILTER (WHERE @any_weighted) AS wsum, sum(w.weight) FILTER (WHERE @any_weighted) AS wden,
		count(w.weight) FILTER (WHERE @any_weighted) AS wn,
		coalesce(bool_and(x.complete) FILTER (WHERE @any_weighted AND w.weight IS NOT NULL), true) AS wcomplete,
		-- The group's regions, when the caller needs to know whose figures are in a total
		-- (the small-cell rule above the caller's own region).
		string_agg(x.code, ',') FILTER (WHERE @with_units) AS codes
	-- The targets first (a few per region), then the values: OFFSET 0 keeps the planner from
	-- unnesting the targets once per value. The values are unnested in the select list, in
	-- step (the arrays have the same length), which streams them: unnest in FROM would first
	-- copy each array into a tuplestore.
	FROM (
		SELECT u.gk, u.sig, u.code, u.held, u.vals,
			unnest(u.held) AS element_id, unnest(u.vals) AS value, unnest(u.completes) AS complete
		FROM (
			-- The group's target, range, level and whether it is the target, in one number
			-- (gk: hashed much faster than the four), taken apart again at the end.
			SELECT u.*, t.tord * 4294967296 + u.rord * 16 + array_position(CAST(@levels AS text[]), u.level) * 2
				+ CAST(t.own AS int) AS gk
			FROM signatures u
			CROSS JOIN LATERAL unnest(u.tords, u.owns) AS t(tord, own)
			OFFSET 0
		) u
	) x
	-- The region's value of the element's weight (@read_weights: by read element, 0 for none);
	-- skipped when no element asked is weighted.
	CROSS JOIN LATERAL (
		SELECT CASE WHEN @any_weighted THEN x.vals[array_position(x.held,
			(CAST(@read_weights AS bigint[]))[array_position(CAST(@read AS bigint[]), x.element_id)])] END AS weight
	) w
	GROUP BY x.gk, x.sig, x.element_id
),
-- Per unit and period asked: the elements it reported, and those of them for which some
-- submission the figures read is not APPROVED: what its exact submission holds unless the
-- region is full, and what quarters found. The regions in quarters and the others are
-- disjoint.
unit_elements AS (
	SELECT e.code, e.level, e.tords, e.pord,
		CASE WHEN NOT @masked THEN
			CASE WHEN e.exact_for_coverage THEN coalesce(e.ids, '{}') ELSE '{}' END END AS reported,
		CASE WHEN NOT @masked THEN
			CASE WHEN e.exact_for_coverage AND NOT e.exact_approved THEN coalesce(e.ids, '{}') ELSE '{}' END END AS unapproved,
		CASE WHEN @masked AND e.exact_for_coverage THEN e.mask ELSE 0 END AS rmask,
		CASE WHEN @masked AND e.exact_for_coverage AND NOT e.exact_approved THEN e.mask ELSE 0 END AS umask
	FROM ex e
	WHERE NOT (e.full OR e.lacking > 0)
	UNION ALL
	SELECT q.code, q.level, q.tords, q.pord,
		CASE WHEN NOT @masked THEN
			CASE WHEN NOT q.full AND q.exact_for_coverage THEN coalesce(q.ids, '{}') ELSE '{}' END
				|| coalesce(q.q_reported, '{}') END,
		CASE WHEN NOT @masked THEN
			CASE WHEN NOT q.full AND q.exact_for_coverage AND NOT q.exact_approved THEN coalesce(q.ids, '{}') ELSE '{}' END
				|| coalesce(q.q_unapproved, '{}') END,
		CASE WHEN NOT q.full AND q.exact_for_coverage THEN q.mask ELSE 0 END | q.q_rmask,
		CASE WHEN NOT q.full AND q.exact_for_coverage AND NOT q.exact_approved THEN q.mask ELSE 0 END | q.q_umask
	FROM quarters q
),
-- The same over each range asked: a range of one part is that part; over a longer one a
-- unit reported what it reported in any part, and an element is unapproved when it is in
-- any part.
unit_ranges AS (
	SELECT u.code, u.level, u.tords, m.rord, u.reported, u.unapproved, u.rmask, u.umask
	FROM unit_elements u
	JOIN range_parts m ON m.pord = u.pord AND m.n = 1
	UNION ALL
	SELECT u.code, u.level, u.tords, m.rord, NULL, NULL, bit_or(u.rmask), bit_or(u.umask)
	FROM unit_elements u
	JOIN range_parts m ON m.pord = u.pord AND m.n > 1
	WHERE @masked
	GROUP BY u.code, u.level, u.tords, m.rord
	UNION ALL
	SELECT x.code, x.level, x.tords, x.rord,
		array_agg(x.element_id ORDER BY x.element_id),
		coalesce(array_agg(x.element_id ORDER BY x.element_id) FILTER (WHERE x.unapproved), '{}'), 0, 0
	FROM (
		SELECT u.code, u.level, u.tords, m.rord, e.element_id, bool_or(e.element_id = ANY (u.unapproved)) AS unapproved
		FROM unit_elements u
		JOIN range_parts m ON m.pord = u.pord AND m.n > 1
		CROSS JOIN LATERAL unnest(u.reported) AS e(element_id)
		WHERE NOT @masked
		GROUP BY u.code, u.level, u.tords, m.rord, e.element_id
	) x
	GROUP BY x.code, x.level, x.tords, x.rord
),
-- The units of each target with the same lists, per range: their codes, sorted. The lists are
-- bitmasks (@masked) or arrays.
reported AS (
	SELECT t.tord, u.rord, u.level, u.reported, u.unapproved, u.rmask, u.umask,
		string_agg(u.code, ',' ORDER BY u.code COLLATE "C") AS codes
	FROM unit_ranges u
	CROSS JOIN LATERAL unnest(u.tords) AS t(tord)
	WHERE u.rmask <> 0 OR cardinality(u.reported) > 0
	GROUP BY t.tord, u.rord, u.level, u.reported, u.unapproved, u.rmask, u.umask
),
-- The units a figure expects: the target's regions at the set's levels, by an index range
-- scan over the target's subtree per distinct list of levels.
expected AS (
	SELECT t.ord AS tord, l.ord AS sig, string_agg(g.code, ',' ORDER BY g.code COLLATE "C") AS codes
	FROM targets t
	CROSS JOIN unnest(CAST(@sigs AS text[])) WITH ORDINALITY AS l(levels, ord)
	CROSS JOIN LATERAL (
		SELECT g.code FROM regions g
		WHERE g.path ~>=~ t.path AND g.path ~<~ (left(t.path, -1) || '0')
			AND g.level = ANY (CAST(l.levels AS text[]))
		OFFSET 0
	) g
	GROUP BY t.ord, l.ord
)
SELECT 1 AS kind, gk / 4294967296 AS tord, (gk / 16) % 268435456 AS ord, (CAST(@levels AS text[]))[(gk / 2) % 8] AS level,
	gk % 2 = 1 AS own, codes, NULL::bigint[] AS a, NULL::bigint[] AS b, element_id,
	total, lo, hi, n, complete, wsum, wden, wn, wcomplete, sig
FROM groups
UNION ALL
SELECT 0, NULL, s.sig, NULL, NULL, NULL, s.held, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM (SELECT DISTINCT sig, CASE WHEN NOT @masked THEN held END AS held FROM signatures) s
UNION ALL
SELECT 2, tord, rord, level, NULL, codes, reported, unapproved, NULL, NULL, NULL, NULL, rmask, NULL, NULL, NULL, umask, NULL, NULL
FROM reported
UNION ALL
SELECT 3, tord, sig, NULL, NULL, codes, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM expected
ORDER BY kind, tord, ord
