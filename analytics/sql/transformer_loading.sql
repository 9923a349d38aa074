-- Transformers ranked by peak loading over the days [:start_day, :end_day) (kVA = kW / 0.95 power
-- factor), with the hours whose 15-minute peak exceeded 100% and 120% of the rating.
-- :feeder_id = 0 means every feeder.
SELECT t.transformer_id,
       t.transformer_code,
       f.feeder_code,
       t.kva,
       MAX(d.peak_kw) / 0.95 AS peak_kva,
       DIV0(MAX(d.peak_kw) / 0.95, t.kva) * 100 AS peak_pct,
       SUM(d.hours_over_100) AS hours_over_100,
       SUM(d.hours_over_120) AS hours_over_120,
       SUM(d.kwh) AS kwh
FROM ami_transformer_daily AS d
JOIN grid_transformer AS t ON t.transformer_id = d.transformer_id
JOIN grid_feeder AS f ON f.feeder_id = t.feeder_id
WHERE d.day >= CAST(:start_day AS DATE)
  AND d.day < CAST(:end_day AS DATE)
  AND (:feeder_id = 0 OR d.feeder_id = :feeder_id)
GROUP BY t.transformer_id, t.transformer_code, f.feeder_code, t.kva
ORDER BY peak_pct DESC, t.transformer_code
LIMIT 200
