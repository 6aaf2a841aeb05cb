-- The second lock, tightened (issue 10).
--
-- 1. The policies compare prefixes with starts_with instead of LIKE. LIKE read the scope as a
--    pattern: a scope of '%' matched every row, and one holding '_' more than the subtree it
--    names. starts_with takes the scope as text, so only paths under it match; a missing
--    scope is still NULL, so the policies still fail closed.
-- 2. A child row (a value, a declared-missing value, task progress, an audit entry) carries
--    the region path of the submission it belongs to, enforced by a composite foreign key to
--    submissions (id, region_path). The policy checks only the row's own path, so before
--    this a row with its own path could hang on a sibling's submission.
-- 3. A submission's path is its region's path: a composite foreign key to regions (code, path),
--    so a row cannot name one region and sit in another's subtree.
--
-- Foreign-key checks run as the table owner and see past the policies, so they hold whatever
-- scope the writer set.

ALTER TABLE regions     ADD CONSTRAINT regions_code_path_key UNIQUE (code, path);
ALTER TABLE submissions ADD CONSTRAINT submissions_region_path_fkey
    FOREIGN KEY (region_code, region_path) REFERENCES regions (code, path);

ALTER TABLE submissions ADD CONSTRAINT submissions_id_region_path_key UNIQUE (id, region_path);
ALTER TABLE data_values ADD CONSTRAINT data_values_submission_path_fkey
    FOREIGN KEY (submission_id, region_path) REFERENCES submissions (id, region_path);
ALTER TABLE missing_values ADD CONSTRAINT missing_values_submission_path_fkey
    FOREIGN KEY (submission_id, region_path) REFERENCES submissions (id, region_path);
ALTER TABLE task_reports ADD CONSTRAINT task_reports_submission_path_fkey
    FOREIGN KEY (submission_id, region_path) REFERENCES submissions (id, region_path);
ALTER TABLE audit_log ADD CONSTRAINT audit_log_submission_path_fkey
    FOREIGN KEY (submission_id, region_path) REFERENCES submissions (id, region_path);

ALTER POLICY in_scope ON submissions
    USING (starts_with(region_path, planapi_scope())) WITH CHECK (starts_with(region_path, planapi_scope()));
ALTER POLICY in_scope ON data_values
    USING (starts_with(region_path, planapi_scope())) WITH CHECK (starts_with(region_path, planapi_scope()));
ALTER POLICY in_scope ON missing_values
    USING (starts_with(region_path, planapi_scope())) WITH CHECK (starts_with(region_path, planapi_scope()));
ALTER POLICY in_scope ON task_reports
    USING (starts_with(region_path, planapi_scope())) WITH CHECK (starts_with(region_path, planapi_scope()));
ALTER POLICY in_scope ON audit_log
    USING (starts_with(region_path, planapi_scope())) WITH CHECK (starts_with(region_path, planapi_scope()));
