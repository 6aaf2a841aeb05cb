-- Required figures, hard bounds and change factors in the catalogue; figures a region declares
-- unavailable, with the reason.

-- required: an element some indicator uses and the catalogue does not mark optional;
-- optional_reason says why one is not. max_value: the hard upper bound of a COUNT or NUMBER
-- figure (NULL: the default, 10^12). change_factor: the factor beyond which a change against
-- the previous comparable figure is flagged (NULL: the default, 3).
ALTER TABLE data_elements
    ADD COLUMN required        boolean NOT NULL DEFAULT false,
    ADD COLUMN optional_reason text NOT NULL DEFAULT '',
    ADD COLUMN max_value       double precision CHECK (max_value > 0),
    ADD COLUMN change_factor   double precision CHECK (change_factor > 1);

-- A figure the region declares unavailable ("本县无医疗器械生产企业"). It is kept apart from
-- data_values on purpose: roll-ups read data_values only, so a declared-missing figure counts
-- as missing in every total without the roll-up knowing of declarations. A figure is either
-- here or in data_values, never both (the service keeps it so in the save's transaction).
CREATE TABLE missing_values (
    submission_id bigint NOT NULL REFERENCES submissions (id),
    element_id    bigint NOT NULL REFERENCES data_elements (id),
    region_path   text NOT NULL,
    reason        text NOT NULL CHECK (btrim(reason) <> ''),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    text NOT NULL,
    PRIMARY KEY (submission_id, element_id)
);

-- Tenant data: the same row-level security as data_values.
ALTER TABLE missing_values ENABLE ROW LEVEL SECURITY;
ALTER TABLE missing_values FORCE ROW LEVEL SECURITY;
CREATE POLICY in_scope ON missing_values
    USING (region_path LIKE planapi_scope() || '%') WITH CHECK (region_path LIKE planapi_scope() || '%');

GRANT SELECT, INSERT, UPDATE, DELETE ON missing_values TO planapi_app;
