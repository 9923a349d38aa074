-- Hourly rollup per feeder and customer class.
CREATE OR REPLACE DYNAMIC TABLE ami_feeder_hourly
    TARGET_LAG = ${TARGET_LAG}
    WAREHOUSE = ${WAREHOUSE}
    REFRESH_MODE = AUTO
AS
SELECT feeder_id,
       customer_class,
       DATE_TRUNC('hour', ts) AS hour,
       SUM(interval_kwh) AS kwh,
       MAX(interval_kwh) * 4 AS peak_kw,
       MIN(min_v) AS min_v,
       DIV0(SUM(sum_v), SUM(readings)) AS avg_v,
       SUM(readings) AS readings,
       SUM(out_a) AS out_a,
       SUM(out_b) AS out_b
FROM (
    SELECT m.feeder_id, m.customer_class, r.ts, SUM(r.kwh) AS interval_kwh, MIN(r.voltage) AS min_v,
           SUM(r.voltage) AS sum_v, COUNT(*) AS readings,
           COUNT_IF(r.voltage < 114 OR r.voltage > 126) AS out_a,
           COUNT_IF(r.voltage < 110 OR r.voltage > 127) AS out_b
    FROM ami_readings AS r
    JOIN grid_meter AS m ON m.meter_id = r.meter_id
    GROUP BY m.feeder_id, m.customer_class, r.ts
) AS per_interval
GROUP BY feeder_id, customer_class, DATE_TRUNC('hour', ts);
