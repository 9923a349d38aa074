-- Analytics Dynamic Tables, from analytics/sql/snowflake/*.sql with this warehouse and target lag.
-- Their source tables (AMI readings) must exist in this schema first.
USE WAREHOUSE {{ warehouse }};
USE SCHEMA {{ database }}.{{ schema }};
{{ analytics_ddl }}
