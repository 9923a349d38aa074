-- Transformers ranked by peak loading over [:start, :end) (kVA = kW / 0.95 power factor);
-- hours whose 15-minute peak exceeds 100% and 120% of the rating. :feeder_id = 0 means every feeder.
SELECT t.transformer_id,
       t.transformer_code,
       f.feeder_code,
       t.kva,
       MAX(h.peak_kw) / 0.95 AS peak_kva,
       DIV0(MAX(h.peak_kw) / 0.95, t.kva) * 100 AS peak_pct,
       COUNT_IF(h.peak_kw / 0.95 > t.kva) AS hours_over_100,
       COUNT_IF(h.peak_kw / 0.95 > 1.2 * t.kva) AS hours_over_120,
       SUM(h.kwh) AS kwh
FROM ami_transformer_hourly AS h
JOIN grid_transformer AS t ON t.transformer_id = h.transformer_id
JOIN grid_feeder AS f ON f.feeder_id = t.feeder_id
WHERE h.hour >= CAST(:start AS TIMESTAMP_NTZ)
  AND h.hour < CAST(:end AS TIMESTAMP_NTZ)
  AND (:feeder_id = 0 OR h.feeder_id = :feeder_id)
GROUP BY t.transformer_id, t.transformer_code, f.feeder_code, t.kva
ORDER BY peak_pct DESC, t.transformer_code
LIMIT 200
