-- pg_durable install script, assembled from sql/parts/*.sql by the build.
-- complain if the script is sourced in psql rather than run by CREATE EXTENSION
\echo Use "CREATE EXTENSION pg_durable" to load this file. \quit
