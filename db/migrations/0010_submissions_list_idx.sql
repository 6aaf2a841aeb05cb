-- The list of a region's submissions, oldest first (Query.submissions): the region's subtree
-- as a byte-order range on region_path (store.Submissions asks region_path ~>=~ path AND
-- region_path ~<~ the next prefix, besides LIKE 'path%'). Under row-level security only
-- leakproof operators reach an index ahead of the policy, and LIKE is not leakproof, so the
-- list read every submission in the country for one city's page; the pattern comparison
-- operators are leakproof and use this index.
CREATE INDEX submissions_list_idx ON submissions (plan_id, region_path text_pattern_ops, id);
