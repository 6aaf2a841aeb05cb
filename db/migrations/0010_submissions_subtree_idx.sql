-- A region's submissions by subtree, whatever the period: the lists (Query.submissions) ask
-- for plan_id = … AND region_path LIKE '<path>%' ORDER BY id, and submissions_scope_idx
-- begins with period_year, which a list does not filter on, so a city's 300 rows were found
-- by reading all of the country's (issue 14: 60–110 ms on the national data set).
CREATE INDEX submissions_subtree_idx ON submissions (plan_id, region_path text_pattern_ops, id);
