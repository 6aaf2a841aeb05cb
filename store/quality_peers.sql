-- PEER_OUTLIER for every value of the given submissions: the value's robust (modified)
-- z-score against its peers, the other units of the same level under the same parent with a
-- figure of the same element for the same period in a submission of @peer_statuses (Iglewicz and
-- Hoaglin: z = 0.6745 (x − median) / MAD; where MAD is 0, more than half the peers agree
-- exactly and the mean absolute deviation × 1.253314 stands in, as is usual).
--
-- Only targets inside @own (the caller's own scope) are computed, even when the transaction's
-- scope was widened to the parent to see the peers, and only aggregates leave: @detail false
-- masks everything but the yes or no (auth.PeerComparison decides which).
--
-- Never NaN or Infinity, and never an overflow error: figures above @max_abs (only a direct
-- database write could store one) are left out, so every difference stays finite; a spread
-- below 1e-9 (the peers agree) gives no z-score and no flag rather than a division by ~0;
-- fewer than @min_peers peers give no flag.
WITH target AS (
    SELECT s.id AS submission_id, v.element_id, v.value, s.region_code, s.period, s.plan_id,
           r.parent_code, r.level
    FROM submissions s
    JOIN regions r     ON r.code = s.region_code
    JOIN data_values v ON v.submission_id = s.id
    WHERE s.id = ANY (@ids) AND s.region_path LIKE @own || '%' AND r.parent_code IS NOT NULL
      AND abs(v.value) <= @max_abs
), peer AS (
    SELECT t.submission_id, t.element_id, pv.value
    FROM target t
    JOIN regions pr     ON pr.parent_code = t.parent_code AND pr.level = t.level AND pr.code <> t.region_code
    JOIN submissions ps ON ps.plan_id = t.plan_id AND ps.region_code = pr.code AND ps.period = t.period
                       AND ps.status = ANY (@peer_statuses)
    JOIN data_values pv ON pv.submission_id = ps.id AND pv.element_id = t.element_id
    WHERE abs(pv.value) <= @max_abs
), spread AS MATERIALIZED (
    -- Each target's peers once: the median, then the deviations from it over the same values
    -- (unnested from the group's own array, not joined back to peer: with the planner's
    -- one-row estimates for these CTEs that join was a nested loop over every pair, and the
    -- CTE inlined was computed again for every target, 274 ms for a city's status board on the
    -- national data set; issue 14).
    SELECT c.submission_id, c.element_id, c.n, c.median, d.mad, d.meanad
    FROM (
        SELECT submission_id, element_id, count(*) AS n,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS median,
               array_agg(value) AS peer_values
        FROM peer GROUP BY submission_id, element_id
        HAVING count(*) >= @min_peers
    ) c
    CROSS JOIN LATERAL (
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(x - c.median)) AS mad,
               avg(abs(x - c.median)) AS meanad
        FROM unnest(c.peer_values) AS x
    ) d
), scored AS (
    SELECT t.submission_id, t.element_id, t.value, sp.n, sp.median,
           (t.value - sp.median) / CASE WHEN sp.mad >= 1e-9 THEN sp.mad / 0.6745
                                        WHEN sp.meanad >= 1e-9 THEN 1.253314 * sp.meanad END AS z
    FROM target t JOIN spread sp USING (submission_id, element_id)
)
SELECT submission_id, element_id, value,
       CASE WHEN @detail THEN median END AS median,
       CASE WHEN @detail THEN z END AS z,
       CASE WHEN @detail THEN n END AS n
FROM scored
WHERE abs(z) > @threshold
