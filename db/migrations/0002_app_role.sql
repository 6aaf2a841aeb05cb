-- What the application role may do with the catalogue and the region tree: read them.
-- They are written only by the owner at start-up (catalogue sync, demo regions).
GRANT USAGE ON SCHEMA public TO planapi_app;
GRANT SELECT ON plans, indicator_categories, data_elements, indicators, tasks, regions, schema_migrations TO planapi_app;
