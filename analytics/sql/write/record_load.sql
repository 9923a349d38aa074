-- Record a loaded day so the next refresh recomputes its rollups.
INSERT INTO ami_loads (day, batch, row_count, loaded_at)
SELECT CAST(:day AS DATE), :batch, COUNT(*), CAST(CURRENT_TIMESTAMP() AS TIMESTAMP_NTZ)
FROM ami_readings
WHERE ts >= CAST(:start AS TIMESTAMP_NTZ) AND ts < CAST(:end AS TIMESTAMP_NTZ);
