-- Per feeder over the days [:start_day, :end_day): meters and transformers with readings outside
-- ANSI C84.1 Range A (114-126 V) and Range B (110-127 V) (outside B implies outside A), and the
-- lowest voltage seen. Only meter-days with excursions are aggregated per meter.
WITH excursions AS (
    SELECT m.feeder_id, m.transformer_id, d.meter_id, SUM(d.out_a) AS out_a, SUM(d.out_b) AS out_b
    FROM ami_meter_daily AS d
    JOIN grid_meter AS m ON m.meter_id = d.meter_id
    WHERE d.day >= CAST(:start_day AS DATE) AND d.day < CAST(:end_day AS DATE) AND d.out_a > 0
    GROUP BY m.feeder_id, m.transformer_id, d.meter_id
), per_feeder AS (
    SELECT feeder_id,
           COUNT(*) AS meters_out_a,
           COUNT_IF(out_b > 0) AS meters_out_b,
           COUNT(DISTINCT transformer_id) AS transformers_out_a,
           COUNT(DISTINCT IFF(out_b > 0, transformer_id, NULL)) AS transformers_out_b,
           SUM(out_a) AS readings_out_a,
           SUM(out_b) AS readings_out_b
    FROM excursions
    GROUP BY feeder_id
), totals AS (
    SELECT feeder_id, SUM(readings) AS readings, MIN(min_v) AS min_v
    FROM ami_feeder_daily
    WHERE day >= CAST(:start_day AS DATE) AND day < CAST(:end_day AS DATE)
    GROUP BY feeder_id
), meters AS (
    SELECT feeder_id, COUNT(*) AS meters FROM grid_meter GROUP BY feeder_id
)
SELECT f.feeder_id,
       f.feeder_code,
       m.meters,
       COALESCE(p.meters_out_a, 0) AS meters_out_a,
       COALESCE(p.meters_out_b, 0) AS meters_out_b,
       COALESCE(p.transformers_out_a, 0) AS transformers_out_a,
       COALESCE(p.transformers_out_b, 0) AS transformers_out_b,
       t.readings,
       COALESCE(p.readings_out_a, 0) AS readings_out_a,
       COALESCE(p.readings_out_b, 0) AS readings_out_b,
       t.min_v
FROM totals AS t
JOIN grid_feeder AS f ON f.feeder_id = t.feeder_id
JOIN meters AS m ON m.feeder_id = t.feeder_id
LEFT JOIN per_feeder AS p ON p.feeder_id = t.feeder_id
ORDER BY meters_out_b DESC, meters_out_a DESC, f.feeder_code
