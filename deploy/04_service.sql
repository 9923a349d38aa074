-- The service. Instance counts live here, not in the spec: at least one instance stays up
-- because a cold start takes 30-45 s. The spec is service_spec.yaml with this deployment's values.
CREATE SERVICE IF NOT EXISTS {{ database }}.{{ schema }}.{{ service }}
  IN COMPUTE POOL {{ compute_pool }}
  MIN_INSTANCES = {{ min_instances }}
  MAX_INSTANCES = {{ max_instances }}
  QUERY_WAREHOUSE = {{ warehouse }}
  FROM SPECIFICATION $$
{{ specification }}$$;
-- Egress to PostgreSQL is attached after creation; the first instances retry until it is.
ALTER SERVICE {{ database }}.{{ schema }}.{{ service }}
  SET EXTERNAL_ACCESS_INTEGRATIONS = ({{ external_access_integration }});
-- A new image or spec later: ALTER SERVICE {{ database }}.{{ schema }}.{{ service }} FROM SPECIFICATION $$ ... $$;
