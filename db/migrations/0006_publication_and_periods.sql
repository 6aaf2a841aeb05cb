-- Reporting periods belong to the region that runs the plan (a city), and totals above a
-- caller's own region are read from published snapshots (issue 10).

-- Each city opens and closes its own periods. The rows so far were one global list, which
-- every city shared: each city gets a copy.
ALTER TABLE reporting_periods
    ADD COLUMN region_code text REFERENCES regions (code),
    ADD COLUMN region_path text;
INSERT INTO reporting_periods (region_code, region_path, period, open, closes_at, updated_at, updated_by)
SELECT g.code, g.path, p.period, p.open, p.closes_at, p.updated_at, p.updated_by
FROM reporting_periods p
CROSS JOIN regions g
WHERE g.level = 'CITY' AND p.region_code IS NULL;
DELETE FROM reporting_periods WHERE region_code IS NULL;
ALTER TABLE reporting_periods DROP CONSTRAINT reporting_periods_pkey;
ALTER TABLE reporting_periods
    ALTER COLUMN region_code SET NOT NULL,
    ALTER COLUMN region_path SET NOT NULL,
    ADD PRIMARY KEY (region_code, period);

-- A region's published totals for a period: what callers below it read (the snapshot is the
-- totals as they stood when published, with what each level below may not see withheld).
CREATE TABLE publications (
    plan_id          bigint NOT NULL REFERENCES plans (id),
    region_code      text NOT NULL REFERENCES regions (code),
    region_path      text NOT NULL,
    period           text NOT NULL CHECK (period ~ '^[0-9]{4}(Q[1-4])?$'),
    version          int NOT NULL CHECK (version > 0),
    snapshot         jsonb NOT NULL,
    published_at     timestamptz NOT NULL DEFAULT now(),
    published_by     text NOT NULL,
    withdrawn_at     timestamptz,
    withdrawn_by     text,
    withdrawn_reason text,
    PRIMARY KEY (plan_id, region_code, period)
);

-- Both are read along the region's line: by the region's own subtree and by the regions
-- below it (a county reads its city's periods and published totals); never by a sibling or
-- another city. They are written only inside the writer's scope.
ALTER TABLE reporting_periods ENABLE ROW LEVEL SECURITY;
ALTER TABLE reporting_periods FORCE ROW LEVEL SECURITY;
CREATE POLICY in_line ON reporting_periods
    USING (starts_with(region_path, planapi_scope()) OR starts_with(planapi_scope(), region_path))
    WITH CHECK (starts_with(region_path, planapi_scope()));
ALTER TABLE publications ENABLE ROW LEVEL SECURITY;
ALTER TABLE publications FORCE ROW LEVEL SECURITY;
CREATE POLICY in_line ON publications
    USING (starts_with(region_path, planapi_scope()) OR starts_with(planapi_scope(), region_path))
    WITH CHECK (starts_with(region_path, planapi_scope()));

GRANT SELECT, INSERT, UPDATE ON publications TO planapi_app;
