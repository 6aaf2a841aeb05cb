-- The evaluation report's sections the city writes itself (issue 13): 二、存在的问题 and
-- 三、下一步工作, one text per region, as-of period and section, versioned like a submission,
-- with every saved version kept (who, when, what) in report_section_history.

CREATE TABLE report_sections (
    plan_id         bigint NOT NULL REFERENCES plans (id),
    region_code     text NOT NULL REFERENCES regions (code),
    region_path     text NOT NULL,
    as_of           text NOT NULL CHECK (as_of ~ '^[0-9]{4}(Q[1-4])?$'),
    section         text NOT NULL CHECK (section IN ('PROBLEMS', 'NEXT_STEPS')),
    text            text NOT NULL,
    version         int NOT NULL CHECK (version > 0),
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_by      text NOT NULL,
    updated_by_name text,
    PRIMARY KEY (plan_id, region_code, as_of, section)
);

-- Append-only: each saved version of a section, with the actor as the token named it.
CREATE TABLE report_section_history (
    id          bigserial PRIMARY KEY,
    plan_id     bigint NOT NULL REFERENCES plans (id),
    region_code text NOT NULL REFERENCES regions (code),
    region_path text NOT NULL,
    as_of       text NOT NULL,
    section     text NOT NULL,
    version     int NOT NULL,
    text        text NOT NULL,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text NOT NULL,
    actor_name  text,
    role        text NOT NULL
);
CREATE INDEX report_section_history_key ON report_section_history (plan_id, region_code, as_of, section, version);

-- Read and written inside the caller's scope only, like submissions and the audit trail
-- (migration 0003): the region's own staff and those above it.
ALTER TABLE report_sections ENABLE ROW LEVEL SECURITY;
ALTER TABLE report_sections FORCE ROW LEVEL SECURITY;
CREATE POLICY in_scope ON report_sections
    USING (starts_with(region_path, planapi_scope()))
    WITH CHECK (starts_with(region_path, planapi_scope()));
ALTER TABLE report_section_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE report_section_history FORCE ROW LEVEL SECURITY;
CREATE POLICY in_scope ON report_section_history
    USING (starts_with(region_path, planapi_scope()))
    WITH CHECK (starts_with(region_path, planapi_scope()));

GRANT SELECT, INSERT, UPDATE ON report_sections TO planapi_app;
GRANT SELECT, INSERT ON report_section_history TO planapi_app;
GRANT USAGE ON SEQUENCE report_section_history_id_seq TO planapi_app;
