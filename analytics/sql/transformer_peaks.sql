-- Peak 15-minute kW of every transformer over the days [:start_day, :end_day): the map's loading colours.
SELECT d.transformer_id,
       MAX(d.peak_kw) AS peak_kw
FROM ami_transformer_daily AS d
WHERE d.day >= CAST(:start_day AS DATE)
  AND d.day < CAST(:end_day AS DATE)
GROUP BY d.transformer_id
ORDER BY d.transformer_id
