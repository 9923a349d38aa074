-- Egress to the PostgreSQL host only: a network rule and the external access integration using it.
-- Creating an integration needs the CREATE INTEGRATION privilege (the administrator role).
CREATE OR REPLACE NETWORK RULE {{ database }}.{{ schema }}.fluxops_postgres_egress
  MODE = EGRESS
  TYPE = HOST_PORT
  VALUE_LIST = ('{{ postgres_host }}:{{ postgres_port }}');
USE ROLE {{ admin_role }};
CREATE EXTERNAL ACCESS INTEGRATION IF NOT EXISTS {{ external_access_integration }}
  ALLOWED_NETWORK_RULES = ({{ database }}.{{ schema }}.fluxops_postgres_egress)
  ENABLED = TRUE;
GRANT USAGE ON INTEGRATION {{ external_access_integration }} TO ROLE {{ owner_role }};
USE ROLE {{ owner_role }};
