-- One feeder's hourly load by customer class over [:start, :end): average kW and 15-minute peak kW.
SELECT hour, customer_class, kwh AS avg_kw, peak_kw
FROM ami_feeder_hourly
WHERE feeder_id = :feeder_id
  AND hour >= CAST(:start AS TIMESTAMP_NTZ)
  AND hour < CAST(:end AS TIMESTAMP_NTZ)
ORDER BY hour, customer_class
