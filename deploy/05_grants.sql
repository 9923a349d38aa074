-- Who may open the application: named roles only (the endpoint sits behind Snowflake login).
-- What each user may do inside is the app role from SPCS_ROLE_MAP (viewer by default).
{{ grants }}
