-- Remove one day's readings before it is written again (re-running a day replaces it).
DELETE FROM ami_readings WHERE ts >= CAST(:start AS TIMESTAMP_NTZ) AND ts < CAST(:end AS TIMESTAMP_NTZ);
