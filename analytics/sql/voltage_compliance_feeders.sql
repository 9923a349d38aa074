-- Per feeder over the days [:start_day, :end_day): meters and transformers with readings outside
-- ANSI C84.1 Range A (114-126 V) and Range B (110-127 V), and the lowest voltage seen.
WITH per_meter AS (
    SELECT m.feeder_id, m.transformer_id, d.meter_id, SUM(d.out_a) AS out_a, SUM(d.out_b) AS out_b,
           SUM(d.readings) AS readings, MIN(d.min_v) AS min_v
    FROM ami_meter_daily AS d
    JOIN grid_meter AS m ON m.meter_id = d.meter_id
    WHERE d.day >= CAST(:start_day AS DATE) AND d.day < CAST(:end_day AS DATE)
    GROUP BY m.feeder_id, m.transformer_id, d.meter_id
)
SELECT f.feeder_id,
       f.feeder_code,
       COUNT(*) AS meters,
       COUNT_IF(p.out_a > 0) AS meters_out_a,
       COUNT_IF(p.out_b > 0) AS meters_out_b,
       COUNT(DISTINCT IFF(p.out_a > 0, p.transformer_id, NULL)) AS transformers_out_a,
       COUNT(DISTINCT IFF(p.out_b > 0, p.transformer_id, NULL)) AS transformers_out_b,
       SUM(p.readings) AS readings,
       SUM(p.out_a) AS readings_out_a,
       SUM(p.out_b) AS readings_out_b,
       MIN(p.min_v) AS min_v
FROM per_meter AS p
JOIN grid_feeder AS f ON f.feeder_id = p.feeder_id
GROUP BY f.feeder_id, f.feeder_code
ORDER BY meters_out_b DESC, meters_out_a DESC, f.feeder_code
