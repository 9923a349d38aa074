-- Account-level setup, run once by an administrator role: the role that will own the service,
-- with the account privileges it needs (a public endpoint needs BIND SERVICE ENDPOINT).
USE ROLE {{ admin_role }};
CREATE ROLE IF NOT EXISTS {{ owner_role }};
GRANT CREATE DATABASE ON ACCOUNT TO ROLE {{ owner_role }};
GRANT CREATE WAREHOUSE ON ACCOUNT TO ROLE {{ owner_role }};
GRANT CREATE COMPUTE POOL ON ACCOUNT TO ROLE {{ owner_role }};
GRANT BIND SERVICE ENDPOINT ON ACCOUNT TO ROLE {{ owner_role }};
-- Keep the owner role under SYSADMIN, and give it to the user running this script.
GRANT ROLE {{ owner_role }} TO ROLE SYSADMIN;
SET deploying_user = CURRENT_USER();
GRANT ROLE {{ owner_role }} TO USER IDENTIFIER($deploying_user);
