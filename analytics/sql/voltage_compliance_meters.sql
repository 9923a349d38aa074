-- The meters of one feeder with Range A or B excursions over the days [:start_day, :end_day), worst first.
SELECT m.meter_code,
       t.transformer_code,
       m.customer_class,
       SUM(d.readings) AS readings,
       SUM(d.out_a) AS readings_out_a,
       SUM(d.out_b) AS readings_out_b,
       MIN(d.min_v) AS min_v,
       DIV0(SUM(d.avg_v * d.readings), SUM(d.readings)) AS avg_v
FROM ami_meter_daily AS d
JOIN grid_meter AS m ON m.meter_id = d.meter_id
JOIN grid_transformer AS t ON t.transformer_id = m.transformer_id
WHERE m.feeder_id = :feeder_id
  AND d.day >= CAST(:start_day AS DATE)
  AND d.day < CAST(:end_day AS DATE)
GROUP BY m.meter_code, t.transformer_code, m.customer_class
HAVING SUM(d.out_a) > 0
ORDER BY readings_out_b DESC, readings_out_a DESC, min_v, m.meter_code
LIMIT 200
