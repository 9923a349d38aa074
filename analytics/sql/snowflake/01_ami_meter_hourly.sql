-- Hourly rollup per meter, kept fresh by Snowflake (the embedded backend runs refresh_rollups instead).
CREATE OR REPLACE DYNAMIC TABLE ami_meter_hourly
    TARGET_LAG = ${TARGET_LAG}
    WAREHOUSE = ${WAREHOUSE}
    REFRESH_MODE = AUTO
AS
SELECT meter_id,
       DATE_TRUNC('hour', ts) AS hour,
       SUM(kwh) AS kwh,
       MAX(kwh) * 4 AS peak_kw,
       MIN(voltage) AS min_v,
       AVG(voltage) AS avg_v,
       COUNT(*) AS readings,
       COUNT_IF(voltage < 114 OR voltage > 126) AS out_a,
       COUNT_IF(voltage < 110 OR voltage > 127) AS out_b
FROM ami_readings
GROUP BY meter_id, DATE_TRUNC('hour', ts);
