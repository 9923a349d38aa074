-- System load in MW by hour of day: :day against the same weekday one week earlier.
SELECT HOUR(hour) AS hour_of_day,
       SUM(IFF(hour >= CAST(:day AS TIMESTAMP_NTZ), kwh, NULL)) / 1000 AS mw_day,
       SUM(IFF(hour < DATEADD('day', -6, CAST(:day AS TIMESTAMP_NTZ)), kwh, NULL)) / 1000 AS mw_week_before
FROM ami_feeder_hourly
WHERE (hour >= CAST(:day AS TIMESTAMP_NTZ) AND hour < DATEADD('day', 1, CAST(:day AS TIMESTAMP_NTZ)))
   OR (hour >= DATEADD('day', -7, CAST(:day AS TIMESTAMP_NTZ)) AND hour < DATEADD('day', -6, CAST(:day AS TIMESTAMP_NTZ)))
GROUP BY HOUR(hour)
ORDER BY hour_of_day
