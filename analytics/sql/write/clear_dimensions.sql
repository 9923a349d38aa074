-- Replace the network dimensions.
DELETE FROM grid_feeder;
DELETE FROM grid_transformer;
DELETE FROM grid_meter;
