-- Database, schema, image repository and compute pool for the service.
-- Run as a role that may create them (it becomes their owner and the service's owner role).
USE ROLE {{ owner_role }};
CREATE DATABASE IF NOT EXISTS {{ database }};
CREATE SCHEMA IF NOT EXISTS {{ database }}.{{ schema }};
USE SCHEMA {{ database }}.{{ schema }};
CREATE IMAGE REPOSITORY IF NOT EXISTS {{ database }}.{{ schema }}.{{ image_repository }};
CREATE COMPUTE POOL IF NOT EXISTS {{ compute_pool }}
  MIN_NODES = 1
  MAX_NODES = {{ max_instances }}
  INSTANCE_FAMILY = {{ instance_family }}
  AUTO_RESUME = TRUE;
CREATE WAREHOUSE IF NOT EXISTS {{ warehouse }}
  WAREHOUSE_SIZE = XSMALL
  AUTO_SUSPEND = 60
  AUTO_RESUME = TRUE
  INITIALLY_SUSPENDED = TRUE;
