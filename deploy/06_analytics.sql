-- Analytics objects (Dynamic Tables and their sources), from analytics/sql/snowflake/*.sql.
USE WAREHOUSE {{ warehouse }};
USE SCHEMA {{ database }}.{{ schema }};
{{ analytics_ddl }}
