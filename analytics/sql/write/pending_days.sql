-- Days loaded since the last refresh, and the newest batch.
SELECT day, MAX(batch) AS batch
FROM ami_loads
WHERE batch > (SELECT COALESCE(MAX(batch), 0) FROM ami_refreshes)
GROUP BY day
ORDER BY day;
