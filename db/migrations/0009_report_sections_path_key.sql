-- A report section's path is its region's path, as a submission's is (migration 0005): a
-- composite foreign key to regions (code, path). Without it a row naming one city's region
-- could carry another's path and sit in the other's scope, past the row-level policy of 0008,
-- for whoever reads above both.

ALTER TABLE report_sections ADD CONSTRAINT report_sections_region_path_fkey
    FOREIGN KEY (region_code, region_path) REFERENCES regions (code, path);
ALTER TABLE report_section_history ADD CONSTRAINT report_section_history_region_path_fkey
    FOREIGN KEY (region_code, region_path) REFERENCES regions (code, path);
