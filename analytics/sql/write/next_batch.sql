-- The batch number of the next load.
SELECT COALESCE(MAX(batch), 0) + 1 AS batch FROM ami_loads;
