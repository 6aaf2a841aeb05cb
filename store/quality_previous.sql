-- The previous comparable figure of every value of the given submissions, for YOY_CHANGE:
-- the same unit's figure of the same element in the latest earlier year that has one.
--   * A flow (time rule SUM: complaints, cases) is compared only with the same kind of
--     period: a year with an earlier year, a quarter with the same quarter of an earlier year,
--     since a quarter's flow is no measure of a year's.
--   * A stock or a level (LAST, AVERAGE: population, patents held, satisfaction) is compared
--     with the latest earlier figure of any kind, a year counting as its fourth quarter:
--     2024's population is compared with 2023's, or with 2023Q1's where 2023 has only that.
-- Earlier years only: a quarter is not compared with an earlier quarter of its own year.
-- Any status counts: it is the unit's own figure as it stands. Runs in the caller's own scope.
SELECT DISTINCT ON (cur.submission_id, cur.element_id)
       cur.submission_id, cur.element_id, cur.value, ps.period, prev.value AS previous
FROM data_values cur
JOIN submissions s    ON s.id = cur.submission_id
JOIN data_elements de ON de.id = cur.element_id
JOIN submissions ps   ON ps.plan_id = s.plan_id AND ps.region_code = s.region_code AND ps.period_year < s.period_year
JOIN data_values prev ON prev.submission_id = ps.id AND prev.element_id = cur.element_id
WHERE cur.submission_id = ANY (@ids)
  AND (de.time_rule <> 'SUM' OR ps.period_quarter = s.period_quarter)
ORDER BY cur.submission_id, cur.element_id, ps.period_year DESC,
         CASE WHEN ps.period_quarter = 0 THEN 4 ELSE ps.period_quarter END DESC, ps.period_quarter = 0 DESC
