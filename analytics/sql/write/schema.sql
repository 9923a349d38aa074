-- Warehouse tables (Snowflake dialect; the embedded backend runs the DuckDB translation).
-- Network dimensions, copied from the operational database by seed_ami.
CREATE TABLE IF NOT EXISTS grid_feeder (
    feeder_id INTEGER NOT NULL,
    feeder_code VARCHAR NOT NULL,
    substation_code VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS grid_transformer (
    transformer_id INTEGER NOT NULL,
    transformer_code VARCHAR NOT NULL,
    feeder_id INTEGER NOT NULL,
    kva FLOAT NOT NULL
);
CREATE TABLE IF NOT EXISTS grid_meter (
    meter_id INTEGER NOT NULL,
    meter_code VARCHAR NOT NULL,
    transformer_id INTEGER NOT NULL,
    feeder_id INTEGER NOT NULL,
    customer_class VARCHAR NOT NULL,
    customers INTEGER NOT NULL
);
-- 15-minute interval readings; ts is the interval start in local standard time (UTC-6).
CREATE TABLE IF NOT EXISTS ami_readings (
    meter_id INTEGER NOT NULL,
    ts TIMESTAMP_NTZ NOT NULL,
    kwh FLOAT NOT NULL,
    voltage FLOAT NOT NULL
);
-- One row per loaded day and batch: the refresh recomputes the days of batches it has not seen.
CREATE TABLE IF NOT EXISTS ami_loads (
    day DATE NOT NULL,
    batch INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    loaded_at TIMESTAMP_NTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS ami_refreshes (
    batch INTEGER NOT NULL,
    days INTEGER NOT NULL,
    refreshed_at TIMESTAMP_NTZ NOT NULL
);
