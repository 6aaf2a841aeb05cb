-- The plan catalogue and the region tree. Neither is tenant data: every authenticated
-- caller reads them, so they carry no row-level security. The application role reads them
-- and only the owner (migrations, catalogue sync at start-up) writes them.

CREATE TABLE plans (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    start_year  int  NOT NULL,
    end_year    int  NOT NULL CHECK (end_year >= start_year),
    owner_level text NOT NULL CHECK (owner_level IN ('PROVINCE', 'CITY', 'COUNTY')),
    source      text NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE indicator_categories (
    id      bigserial PRIMARY KEY,
    plan_id bigint NOT NULL REFERENCES plans (id),
    code    text NOT NULL,
    name    text NOT NULL,
    ordinal int  NOT NULL,
    retired boolean NOT NULL DEFAULT false,
    UNIQUE (plan_id, code)
);

CREATE TABLE data_elements (
    id           bigserial PRIMARY KEY,
    plan_id      bigint NOT NULL REFERENCES plans (id),
    code         text NOT NULL,
    name         text NOT NULL,
    unit         text NOT NULL,
    value_type   text NOT NULL CHECK (value_type IN ('COUNT', 'NUMBER', 'PERCENT', 'SCORE')),
    collected_at text NOT NULL CHECK (collected_at IN ('PROVINCE', 'CITY', 'COUNTY')),
    period_types text[] NOT NULL,
    region_rule  text NOT NULL CHECK (region_rule IN ('SUM', 'AVERAGE', 'MIN', 'MAX', 'NONE')),
    weight_code  text NOT NULL DEFAULT '',
    time_rule    text NOT NULL CHECK (time_rule IN ('SUM', 'LAST', 'AVERAGE')),
    part_of_code text NOT NULL DEFAULT '',
    description  text NOT NULL DEFAULT '',
    ordinal      int  NOT NULL,
    retired      boolean NOT NULL DEFAULT false,
    UNIQUE (plan_id, code)
);

CREATE TABLE indicators (
    id           bigserial PRIMARY KEY,
    plan_id      bigint NOT NULL REFERENCES plans (id),
    category_id  bigint NOT NULL REFERENCES indicator_categories (id),
    code         text NOT NULL,
    name         text NOT NULL,
    unit         text NOT NULL,
    -- NULL when the report redacts the target (XX): unknown, never zero.
    target_value double precision,
    comparator   text NOT NULL CHECK (comparator IN ('GTE', 'GT', 'LTE', 'LT', 'EQ')),
    target_year  int  NOT NULL,
    direction    text NOT NULL CHECK (direction IN ('HIGHER_IS_BETTER', 'LOWER_IS_BETTER')),
    -- The target is a total since the plan's start (1.2 PCT applications, 1.4 policies).
    cumulative   boolean NOT NULL DEFAULT false,
    source       text NOT NULL,
    note         text NOT NULL DEFAULT '',
    -- {"numerator":[{"element":"X","coefficient":1}],"denominator":[...],"factor":100}
    formula      jsonb NOT NULL,
    ordinal      int  NOT NULL,
    retired      boolean NOT NULL DEFAULT false,
    UNIQUE (plan_id, code)
);

CREATE TABLE tasks (
    id          bigserial PRIMARY KEY,
    plan_id     bigint NOT NULL REFERENCES plans (id),
    code        text NOT NULL,
    parent_code text NOT NULL DEFAULT '',
    level       int  NOT NULL CHECK (level BETWEEN 1 AND 3),
    title       text NOT NULL,
    text        text NOT NULL DEFAULT '',
    -- [{"key":"CASES","code":"CASES","name":"查处案件","unit":"起","reported":28}]
    outputs     jsonb NOT NULL DEFAULT '[]',
    ordinal     int  NOT NULL,
    retired     boolean NOT NULL DEFAULT false,
    UNIQUE (plan_id, code)
);

CREATE TABLE regions (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
    name        text NOT NULL,
    -- NATION is the root above the provinces (used by the national-scale benchmark data).
    level       text NOT NULL CHECK (level IN ('NATION', 'PROVINCE', 'CITY', 'COUNTY')),
    parent_code text REFERENCES regions (code),
    -- Materialised path of codes from the root, each followed by '/': '410000/419900/419901/'.
    -- A region's subtree is every row whose path starts with its path.
    path        text NOT NULL UNIQUE
);
CREATE INDEX regions_path_idx ON regions (path text_pattern_ops);
CREATE INDEX regions_parent_idx ON regions (parent_code);
