-- What the warehouse holds: load and refresh batches (the data version pages cache by) and the days covered.
SELECT (SELECT COALESCE(MAX(batch), 0) FROM ami_loads) AS load_batch,
       (SELECT COALESCE(MAX(batch), 0) FROM ami_refreshes) AS refresh_batch,
       (SELECT MIN(day) FROM ami_feeder_daily) AS first_day,
       (SELECT MAX(day) FROM ami_feeder_daily) AS last_day
