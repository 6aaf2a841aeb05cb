-- Each submission's values as one row of arrays, for the roll-up (issue 14). The roll-up
-- (store/internal/rollupsql/figures.sql) reads each region's exact submission whole: at
-- national scale 3,177 submissions and 104,000 values, and reading them row by row from
-- data_values, each row fetched from the heap and checked by the row-level-security policy,
-- was half of the statement. Here a submission's values are one row, read by its key.
--
-- The rows are kept by statement triggers on data_values, in the writing transaction: a
-- figure is in the roll-up the moment it is committed, as before, and never anywhere else
-- (no job, no refresh). The triggers rebuild the row of every submission a statement touched
-- from data_values as it then stands, after locking the submission (so that two transactions
-- writing one submission rebuild its row one after the other, the second from the first's
-- committed values). Only the triggers write it: the service's role may read it, under the
-- same policy as data_values, and nothing else; the rebuild runs with its owner's rights
-- (SECURITY DEFINER). The owner may be a superuser (the private cluster's is), whom no policy
-- binds, so the functions run only from the triggers, for the submissions the statement
-- wrote (which passed the policies as the writer): the service's role may not call them, and
-- their search_path names pg_temp last, so that no temporary table, view or function of the
-- caller's stands in for the tables they read and write (pg_temp, unless listed, is searched
-- first), which would run the caller's SQL with the owner's rights.
CREATE TABLE submission_values (
    submission_id bigint PRIMARY KEY,
    region_path   text NOT NULL,
    ids           bigint[] NOT NULL,           -- the element ids, ascending
    vals          double precision[] NOT NULL, -- their values, in the same order
    mask          bigint NOT NULL,             -- bit n set: element n is held, for n in [0, 64)
    maskable      boolean NOT NULL,            -- every id is in [0, 64), so mask is the whole set
    max_abs       double precision NOT NULL,   -- the largest magnitude among the values
    -- The path is its submission's, as data_values' is (migration 0005).
    FOREIGN KEY (submission_id, region_path) REFERENCES submissions (id, region_path)
);

ALTER TABLE submission_values ENABLE ROW LEVEL SECURITY;
ALTER TABLE submission_values FORCE ROW LEVEL SECURITY;
CREATE POLICY in_scope ON submission_values
    USING (starts_with(region_path, planapi_scope())) WITH CHECK (starts_with(region_path, planapi_scope()));
GRANT SELECT ON submission_values TO planapi_app;

-- submission_values_sync rebuilds the rows of the submissions subs from data_values. VOLATILE
-- (the default): each statement takes a fresh snapshot, so the rebuild after the lock sees
-- what a transaction that held the lock before has committed. The lock is FOR NO KEY UPDATE,
-- which serialises the rebuilds of a submission but not the KEY SHARE locks that foreign keys
-- to it take: with FOR UPDATE, two transactions that had each written a row referring to the
-- submission (a value, a declared-missing value, an audit entry) and then wrote a value
-- waited for each other's KEY SHARE lock (a deadlock). A submission it cannot see (an owner
-- bound by the policies, in a scope the statement left elsewhere) is an error, not a row
-- left as it was.
CREATE FUNCTION submission_values_sync(subs bigint[]) RETURNS void LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    locked bigint;
BEGIN
    SELECT count(*) INTO locked FROM (
        SELECT 1 FROM public.submissions WHERE id = ANY (subs) ORDER BY id FOR NO KEY UPDATE) l;
    IF locked <> (SELECT count(DISTINCT u.id) FROM unnest(subs) AS u(id)) THEN
        RAISE EXCEPTION 'submission_values_sync: % of the submissions % are not visible',
            (SELECT count(DISTINCT u.id) FROM unnest(subs) AS u(id)) - locked, subs;
    END IF;
    DELETE FROM public.submission_values WHERE submission_id = ANY (subs);
    INSERT INTO public.submission_values (submission_id, region_path, ids, vals, mask, maskable, max_abs)
    SELECT v.submission_id, min(v.region_path),
        array_agg(v.element_id ORDER BY v.element_id), array_agg(v.value ORDER BY v.element_id),
        coalesce(bit_or(CASE WHEN v.element_id >= 0 AND v.element_id < 64
            THEN CAST(1 AS bigint) << CAST(v.element_id AS int) END), 0),
        bool_and(v.element_id >= 0 AND v.element_id < 64), max(abs(v.value))
    FROM public.data_values v
    WHERE v.submission_id = ANY (subs)
    GROUP BY v.submission_id;
END
$$;

-- The triggers' function: with the owner's rights too, so that the service's role need not
-- (and may not) call submission_values_sync itself. A trigger's function is not checked for
-- EXECUTE when it fires.
CREATE FUNCTION submission_values_after() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM public.submission_values_sync(ARRAY(SELECT DISTINCT submission_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM public.submission_values_sync(ARRAY(SELECT DISTINCT submission_id FROM old_rows));
    ELSE
        PERFORM public.submission_values_sync(ARRAY(SELECT submission_id FROM new_rows
            UNION SELECT submission_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

-- Functions are executable by PUBLIC unless revoked: only the owner (and the triggers) run these.
REVOKE EXECUTE ON FUNCTION submission_values_sync(bigint[]), submission_values_after() FROM PUBLIC;

-- One trigger per event: a trigger with transition tables may have only one.
CREATE TRIGGER submission_values_insert AFTER INSERT ON data_values
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION submission_values_after();
CREATE TRIGGER submission_values_update AFTER UPDATE ON data_values
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION submission_values_after();
CREATE TRIGGER submission_values_delete AFTER DELETE ON data_values
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION submission_values_after();

-- The values already there, every region's: the policies would show the schema owner none
-- (no scope is set while migrating), so they are lifted for the owner for this statement, in
-- this migration's transaction.
ALTER TABLE submissions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE data_values NO FORCE ROW LEVEL SECURITY;
ALTER TABLE submission_values NO FORCE ROW LEVEL SECURITY;
SELECT submission_values_sync(ARRAY(SELECT DISTINCT submission_id FROM data_values));
ALTER TABLE submissions FORCE ROW LEVEL SECURITY;
ALTER TABLE data_values FORCE ROW LEVEL SECURITY;
ALTER TABLE submission_values FORCE ROW LEVEL SECURITY;
