-- The previous comparable figure of each data element of a unit, for the entry form: the same
-- rule as YOY_CHANGE (quality_previous.sql), keyed by element rather than by a value already
-- entered, so that a clerk sees last time's figure beside an empty cell.
--   * A flow (time rule SUM) is compared only with the same kind of period: a year with an
--     earlier year, a quarter with the same quarter of an earlier year.
--   * A stock or a level (LAST, AVERAGE) with the latest earlier figure of any kind, a year
--     counting as its fourth quarter.
-- Earlier years only. Any status counts: it is the unit's own figure as it stands. Runs in the
-- caller's own scope.
SELECT DISTINCT ON (prev.element_id)
       prev.element_id, ps.period, prev.value
FROM submissions ps
JOIN data_values prev ON prev.submission_id = ps.id
JOIN data_elements de ON de.id = prev.element_id
WHERE ps.plan_id = @plan_id AND ps.region_code = @region_code AND ps.period_year < @year
  AND (de.time_rule <> 'SUM' OR ps.period_quarter = @quarter)
ORDER BY prev.element_id, ps.period_year DESC,
         CASE WHEN ps.period_quarter = 0 THEN 4 ELSE ps.period_quarter END DESC, ps.period_quarter = 0 DESC
