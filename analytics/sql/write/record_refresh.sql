-- Record a refresh up to :batch (the data version the pages cache by).
INSERT INTO ami_refreshes (batch, days, refreshed_at)
VALUES (:batch, :days, CAST(CURRENT_TIMESTAMP() AS TIMESTAMP_NTZ));
