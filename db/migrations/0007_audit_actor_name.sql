-- Issue 12: the audit trail records the actor's display name (the token's name claim, 王丽) as
-- it was at the time of the action, alongside the stable id in actor (its sub, wang.li). Rows
-- written before this migration have none; the API shows the id for them. The table grants of
-- 0003 (SELECT, INSERT for planapi_app) cover the new column, and the append-only triggers
-- still refuse any UPDATE, so a name is never rewritten after the fact.
--
-- Recalling a submission (SUBMITTED → DRAFT, audited as RECALL) needs no change here: the
-- status CHECK already admits DRAFT and audit_log.action is free text.
ALTER TABLE audit_log ADD COLUMN actor_name text CHECK (actor_name IS NULL OR btrim(actor_name) <> '');
