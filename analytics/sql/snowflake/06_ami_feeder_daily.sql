-- Daily rollup per feeder, from the hourly rollup (refreshed after it: TARGET_LAG DOWNSTREAM would also do).
CREATE OR REPLACE DYNAMIC TABLE ami_feeder_daily
    TARGET_LAG = ${TARGET_LAG}
    WAREHOUSE = ${WAREHOUSE}
    REFRESH_MODE = AUTO
AS
SELECT feeder_id, customer_class,
       CAST(hour AS DATE) AS day,
       SUM(kwh) AS kwh,
       MAX(peak_kw) AS peak_kw,
       MIN(min_v) AS min_v,
       DIV0(SUM(avg_v * readings), SUM(readings)) AS avg_v,
       SUM(readings) AS readings,
       SUM(out_a) AS out_a,
       SUM(out_b) AS out_b
FROM ami_feeder_hourly
GROUP BY feeder_id, customer_class, CAST(hour AS DATE);
