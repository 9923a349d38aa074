-- Hourly system energy straight from the raw 15-minute readings over [:start, :end), every meter.
SELECT DATE_TRUNC('hour', ts) AS hour,
       SUM(kwh) / 1000 AS mwh,
       MIN(voltage) AS min_v,
       COUNT(*) AS readings
FROM ami_readings
WHERE ts >= CAST(:start AS TIMESTAMP_NTZ) AND ts < CAST(:end AS TIMESTAMP_NTZ)
GROUP BY DATE_TRUNC('hour', ts)
ORDER BY hour
