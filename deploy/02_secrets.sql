-- Secrets the service spec reads (SECRET_KEY, DATABASE_USER/PASSWORD, METRICS_TOKEN).
-- The values are placeholders for the Snowflake CLI: `snow sql -f deploy.sql -D django_secret_key=...`
-- (or edit them in before running); they never come from this repository.
-- IF NOT EXISTS keeps existing values; rotate with ALTER SECRET ... SET and restart the service.
CREATE SECRET IF NOT EXISTS {{ database }}.{{ schema }}.fluxops_django_secret_key
  TYPE = GENERIC_STRING
  SECRET_STRING = '<% django_secret_key %>';
CREATE SECRET IF NOT EXISTS {{ database }}.{{ schema }}.fluxops_postgres
  TYPE = PASSWORD
  USERNAME = '<% postgres_user %>'
  PASSWORD = '<% postgres_password %>';
CREATE SECRET IF NOT EXISTS {{ database }}.{{ schema }}.fluxops_metrics_token
  TYPE = GENERIC_STRING
  SECRET_STRING = '<% metrics_token %>';
