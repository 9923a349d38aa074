-- Daily rollup per transformer, from the hourly rollup; hours_over_100/120 count the hours whose
-- 15-minute peak exceeded 100%/120% of the rating (kVA = kW / 0.95).
CREATE OR REPLACE DYNAMIC TABLE ami_transformer_daily
    TARGET_LAG = ${TARGET_LAG}
    WAREHOUSE = ${WAREHOUSE}
    REFRESH_MODE = AUTO
AS
SELECT h.transformer_id,
       h.feeder_id,
       CAST(h.hour AS DATE) AS day,
       SUM(h.kwh) AS kwh,
       MAX(h.peak_kw) AS peak_kw,
       MIN(h.min_v) AS min_v,
       DIV0(SUM(h.avg_v * h.readings), SUM(h.readings)) AS avg_v,
       SUM(h.readings) AS readings,
       SUM(h.out_a) AS out_a,
       SUM(h.out_b) AS out_b,
       COUNT_IF(h.peak_kw / 0.95 > t.kva) AS hours_over_100,
       COUNT_IF(h.peak_kw / 0.95 > 1.2 * t.kva) AS hours_over_120
FROM ami_transformer_hourly AS h
JOIN grid_transformer AS t ON t.transformer_id = h.transformer_id
GROUP BY h.transformer_id, h.feeder_id, CAST(h.hour AS DATE);
