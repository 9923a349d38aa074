-- Plain rollup tables, refreshed by `manage.py refresh_rollups` (Snowflake deployments may use the
-- Dynamic Tables of analytics/sql/snowflake/ instead).
-- Rollups. kwh: energy; peak_kw: highest 15-minute demand; out_a/out_b: readings outside
-- ANSI C84.1 Range A (114-126 V) and Range B (110-127 V).
CREATE TABLE IF NOT EXISTS ami_meter_hourly (
    meter_id INTEGER NOT NULL, hour TIMESTAMP_NTZ NOT NULL, kwh FLOAT, peak_kw FLOAT,
    min_v FLOAT, avg_v FLOAT, readings INTEGER, out_a INTEGER, out_b INTEGER
);
CREATE TABLE IF NOT EXISTS ami_transformer_hourly (
    transformer_id INTEGER NOT NULL, feeder_id INTEGER NOT NULL, hour TIMESTAMP_NTZ NOT NULL, kwh FLOAT,
    peak_kw FLOAT, min_v FLOAT, avg_v FLOAT, readings INTEGER, out_a INTEGER, out_b INTEGER
);
CREATE TABLE IF NOT EXISTS ami_feeder_hourly (
    feeder_id INTEGER NOT NULL, customer_class VARCHAR NOT NULL, hour TIMESTAMP_NTZ NOT NULL, kwh FLOAT,
    peak_kw FLOAT, min_v FLOAT, avg_v FLOAT, readings INTEGER, out_a INTEGER, out_b INTEGER
);
CREATE TABLE IF NOT EXISTS ami_meter_daily (
    meter_id INTEGER NOT NULL, day DATE NOT NULL, kwh FLOAT, peak_kw FLOAT,
    min_v FLOAT, avg_v FLOAT, readings INTEGER, out_a INTEGER, out_b INTEGER
);
-- hours_over_100/120: hours whose 15-minute peak exceeded 100%/120% of the rating (kVA = kW / 0.95).
CREATE TABLE IF NOT EXISTS ami_transformer_daily (
    transformer_id INTEGER NOT NULL, feeder_id INTEGER NOT NULL, day DATE NOT NULL, kwh FLOAT,
    peak_kw FLOAT, min_v FLOAT, avg_v FLOAT, readings INTEGER, out_a INTEGER, out_b INTEGER,
    hours_over_100 INTEGER, hours_over_120 INTEGER
);
CREATE TABLE IF NOT EXISTS ami_feeder_daily (
    feeder_id INTEGER NOT NULL, customer_class VARCHAR NOT NULL, day DATE NOT NULL, kwh FLOAT,
    peak_kw FLOAT, min_v FLOAT, avg_v FLOAT, readings INTEGER, out_a INTEGER, out_b INTEGER
);
