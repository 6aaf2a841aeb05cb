-- Tenant data: reporting periods (city-wide), submissions and their values, key-task
-- progress, and the append-only audit trail.
--
-- Row-level security is the second lock behind the data layer's own filters: every tenant
-- table carries region_path (the submitting region's materialised path) and a policy that
-- shows and accepts only rows inside the scope the request set, transaction-locally, with
-- set_config('planapi.scope', <path>, true). No setting, no rows: current_setting(..., true)
-- is NULL when the setting was never made and '' after a transaction that made it ended,
-- and planapi_scope() turns both into NULL, so the policy is NULL, i.e. false.

CREATE FUNCTION planapi_scope() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('planapi.scope', true), '') $$;

CREATE TABLE reporting_periods (
    period     text PRIMARY KEY CHECK (period ~ '^[0-9]{4}(Q[1-4])?$'),
    open       boolean NOT NULL DEFAULT false,
    closes_at  timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL DEFAULT ''
);

CREATE TABLE submissions (
    id             bigserial PRIMARY KEY,
    plan_id        bigint NOT NULL REFERENCES plans (id),
    region_code    text NOT NULL REFERENCES regions (code),
    region_path    text NOT NULL,
    period         text NOT NULL CHECK (period ~ '^[0-9]{4}(Q[1-4])?$'),
    period_year    int  NOT NULL,
    period_quarter int  NOT NULL CHECK (period_quarter BETWEEN 0 AND 4), -- 0: the whole year
    status         text NOT NULL CHECK (status IN ('DRAFT', 'SUBMITTED', 'APPROVED', 'RETURNED')),
    version        int  NOT NULL CHECK (version >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     text NOT NULL,
    UNIQUE (plan_id, region_code, period)
);
CREATE INDEX submissions_scope_idx ON submissions (plan_id, period_year, region_path text_pattern_ops);

CREATE TABLE data_values (
    submission_id bigint NOT NULL REFERENCES submissions (id),
    element_id    bigint NOT NULL REFERENCES data_elements (id),
    region_path   text NOT NULL,
    value         double precision NOT NULL,
    comment       text NOT NULL DEFAULT '',
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    text NOT NULL,
    PRIMARY KEY (submission_id, element_id)
);

-- Progress of a key-task measure reported by a region in a submission.
CREATE TABLE task_reports (
    submission_id bigint NOT NULL REFERENCES submissions (id),
    task_id       bigint NOT NULL REFERENCES tasks (id),
    region_path   text NOT NULL,
    status        text NOT NULL CHECK (status IN ('NOT_STARTED', 'IN_PROGRESS', 'DONE')),
    narrative     text NOT NULL DEFAULT '',
    -- output figures by output code: {"CASES": 12, "FINES": 33.5}
    outputs       jsonb NOT NULL DEFAULT '{}',
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    text NOT NULL,
    PRIMARY KEY (submission_id, task_id)
);

CREATE TABLE audit_log (
    id            bigserial PRIMARY KEY,
    submission_id bigint NOT NULL REFERENCES submissions (id),
    region_path   text NOT NULL,
    at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor         text NOT NULL,
    role          text NOT NULL,
    -- SET_VALUE, CLEAR_VALUE, SET_TASK, CREATE, SUBMIT, APPROVE, RETURN, REOPEN
    action        text NOT NULL,
    element       text,            -- data element code, or "task 2.3.1" / "task 2.3.1 CASES"
    old_value     double precision,
    new_value     double precision,
    old_text      text,            -- task status / narrative changes
    new_text      text,
    comment       text,            -- the clerk's comment, or the reason of a transition
    from_status   text,
    to_status     text,
    version       int NOT NULL     -- the submission version this change produced
);
CREATE INDEX audit_log_submission_idx ON audit_log (submission_id, id DESC);

-- The audit trail is append-only for everyone, owner included: UPDATE, DELETE and TRUNCATE
-- are refused by trigger, and the application role is granted neither.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Row-level security on every tenant table.
ALTER TABLE submissions  ENABLE ROW LEVEL SECURITY;
ALTER TABLE submissions  FORCE ROW LEVEL SECURITY;
ALTER TABLE data_values  ENABLE ROW LEVEL SECURITY;
ALTER TABLE data_values  FORCE ROW LEVEL SECURITY;
ALTER TABLE task_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE task_reports FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_log    ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log    FORCE ROW LEVEL SECURITY;

CREATE POLICY in_scope ON submissions
    USING (region_path LIKE planapi_scope() || '%') WITH CHECK (region_path LIKE planapi_scope() || '%');
CREATE POLICY in_scope ON data_values
    USING (region_path LIKE planapi_scope() || '%') WITH CHECK (region_path LIKE planapi_scope() || '%');
CREATE POLICY in_scope ON task_reports
    USING (region_path LIKE planapi_scope() || '%') WITH CHECK (region_path LIKE planapi_scope() || '%');
CREATE POLICY in_scope ON audit_log
    USING (region_path LIKE planapi_scope() || '%') WITH CHECK (region_path LIKE planapi_scope() || '%');

GRANT SELECT, INSERT, UPDATE ON reporting_periods TO planapi_app;
GRANT SELECT, INSERT, UPDATE ON submissions TO planapi_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON data_values TO planapi_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON task_reports TO planapi_app;
GRANT SELECT, INSERT ON audit_log TO planapi_app;
GRANT USAGE ON SEQUENCE submissions_id_seq, audit_log_id_seq TO planapi_app;
GRANT EXECUTE ON FUNCTION planapi_scope() TO planapi_app;
