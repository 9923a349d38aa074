-- Recompute the daily rollups for the days in [:start_day, :end_day) from the hourly rollups.
DELETE FROM ami_meter_daily WHERE day >= CAST(:start_day AS DATE) AND day < CAST(:end_day AS DATE);
INSERT INTO ami_meter_daily
SELECT meter_id, CAST(hour AS DATE) AS day, SUM(kwh), MAX(peak_kw), MIN(min_v), DIV0(SUM(avg_v * readings), SUM(readings)),
       SUM(readings), SUM(out_a), SUM(out_b)
FROM ami_meter_hourly
WHERE hour >= CAST(:start_day AS TIMESTAMP_NTZ) AND hour < CAST(:end_day AS TIMESTAMP_NTZ)
GROUP BY meter_id, CAST(hour AS DATE);
DELETE FROM ami_transformer_daily WHERE day >= CAST(:start_day AS DATE) AND day < CAST(:end_day AS DATE);
INSERT INTO ami_transformer_daily
SELECT h.transformer_id, h.feeder_id, CAST(h.hour AS DATE) AS day, SUM(h.kwh), MAX(h.peak_kw), MIN(h.min_v),
       DIV0(SUM(h.avg_v * h.readings), SUM(h.readings)), SUM(h.readings), SUM(h.out_a), SUM(h.out_b),
       COUNT_IF(h.peak_kw / 0.95 > t.kva), COUNT_IF(h.peak_kw / 0.95 > 1.2 * t.kva)
FROM ami_transformer_hourly AS h
JOIN grid_transformer AS t ON t.transformer_id = h.transformer_id
WHERE h.hour >= CAST(:start_day AS TIMESTAMP_NTZ) AND h.hour < CAST(:end_day AS TIMESTAMP_NTZ)
GROUP BY h.transformer_id, h.feeder_id, CAST(h.hour AS DATE);
DELETE FROM ami_feeder_daily WHERE day >= CAST(:start_day AS DATE) AND day < CAST(:end_day AS DATE);
INSERT INTO ami_feeder_daily
SELECT feeder_id, customer_class, CAST(hour AS DATE) AS day, SUM(kwh), MAX(peak_kw), MIN(min_v),
       DIV0(SUM(avg_v * readings), SUM(readings)), SUM(readings), SUM(out_a), SUM(out_b)
FROM ami_feeder_hourly
WHERE hour >= CAST(:start_day AS TIMESTAMP_NTZ) AND hour < CAST(:end_day AS TIMESTAMP_NTZ)
GROUP BY feeder_id, customer_class, CAST(hour AS DATE);
