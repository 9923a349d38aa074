-- Recompute the hourly rollups for [:start, :end) from the raw readings.
DELETE FROM ami_meter_hourly WHERE hour >= CAST(:start AS TIMESTAMP_NTZ) AND hour < CAST(:end AS TIMESTAMP_NTZ);
INSERT INTO ami_meter_hourly
SELECT meter_id, DATE_TRUNC('hour', ts) AS hour, SUM(kwh), MAX(kwh) * 4, MIN(voltage), AVG(voltage), COUNT(*),
       COUNT_IF(voltage < 114 OR voltage > 126), COUNT_IF(voltage < 110 OR voltage > 127)
FROM ami_readings
WHERE ts >= CAST(:start AS TIMESTAMP_NTZ) AND ts < CAST(:end AS TIMESTAMP_NTZ)
GROUP BY meter_id, DATE_TRUNC('hour', ts);
-- One pass over the readings for both the transformer and the feeder rollups: 15-minute sums per
-- transformer and customer class (the Dynamic Tables compute the same from the readings directly).
CREATE OR REPLACE TEMPORARY TABLE ami_class_interval AS
SELECT m.transformer_id, m.feeder_id, m.customer_class, r.ts, SUM(r.kwh) AS interval_kwh,
       MIN(r.voltage) AS min_v, SUM(r.voltage) AS sum_v, COUNT(*) AS readings,
       COUNT_IF(r.voltage < 114 OR r.voltage > 126) AS out_a, COUNT_IF(r.voltage < 110 OR r.voltage > 127) AS out_b
FROM ami_readings AS r
JOIN grid_meter AS m ON m.meter_id = r.meter_id
WHERE r.ts >= CAST(:start AS TIMESTAMP_NTZ) AND r.ts < CAST(:end AS TIMESTAMP_NTZ)
GROUP BY m.transformer_id, m.feeder_id, m.customer_class, r.ts;
DELETE FROM ami_transformer_hourly WHERE hour >= CAST(:start AS TIMESTAMP_NTZ) AND hour < CAST(:end AS TIMESTAMP_NTZ);
INSERT INTO ami_transformer_hourly
SELECT transformer_id, feeder_id, DATE_TRUNC('hour', ts) AS hour, SUM(interval_kwh), MAX(interval_kwh) * 4, MIN(min_v),
       DIV0(SUM(sum_v), SUM(readings)), SUM(readings), SUM(out_a), SUM(out_b)
FROM (
    SELECT transformer_id, feeder_id, ts, SUM(interval_kwh) AS interval_kwh, MIN(min_v) AS min_v,
           SUM(sum_v) AS sum_v, SUM(readings) AS readings, SUM(out_a) AS out_a, SUM(out_b) AS out_b
    FROM ami_class_interval
    GROUP BY transformer_id, feeder_id, ts
) AS per_interval
GROUP BY transformer_id, feeder_id, DATE_TRUNC('hour', ts);
DELETE FROM ami_feeder_hourly WHERE hour >= CAST(:start AS TIMESTAMP_NTZ) AND hour < CAST(:end AS TIMESTAMP_NTZ);
INSERT INTO ami_feeder_hourly
SELECT feeder_id, customer_class, DATE_TRUNC('hour', ts) AS hour, SUM(interval_kwh), MAX(interval_kwh) * 4, MIN(min_v),
       DIV0(SUM(sum_v), SUM(readings)), SUM(readings), SUM(out_a), SUM(out_b)
FROM (
    SELECT feeder_id, customer_class, ts, SUM(interval_kwh) AS interval_kwh, MIN(min_v) AS min_v,
           SUM(sum_v) AS sum_v, SUM(readings) AS readings, SUM(out_a) AS out_a, SUM(out_b) AS out_b
    FROM ami_class_interval
    GROUP BY feeder_id, customer_class, ts
) AS per_interval
GROUP BY feeder_id, customer_class, DATE_TRUNC('hour', ts);
DROP TABLE IF EXISTS ami_class_interval;
