-- vstream-relay: the init SQL that mysqlctl runs once on a fresh data directory of the Vitess conformance
-- server (installed as $VTROOT/config/init_db.sql, which vttestserver passes to `mysqlctl init`).
--
-- Written for MariaDB 10.x, the only mysqld that Debian 12 packages: it creates the accounts vttablet,
-- vtcombo and VReplication log in with, and nothing MySQL-8-only (no super_read_only, no caching_sha2
-- plugin names, no SET PERSIST). The server starts read-only (mariadb10.cnf); the tablet manager turns that
-- off when it promotes the primary.

-- Account changes here must not reach the binlog: a VStream would see them as transactions.
SET sql_log_bin = 0;

-- No anonymous accounts, no remote root, no test database.
DROP USER IF EXISTS ''@'%', ''@'localhost', 'root'@'%';
DROP DATABASE IF EXISTS test;

-- Vitess's administrative account (vttablet's dba pool, schema changes, vtcombo's db-dba-user).
CREATE USER IF NOT EXISTS 'vt_dba'@'localhost';
GRANT ALL PRIVILEGES ON *.* TO 'vt_dba'@'localhost' WITH GRANT OPTION;
GRANT PROXY ON ''@'' TO 'vt_dba'@'localhost' WITH GRANT OPTION;

-- Application traffic (vttablet's query pools).
CREATE USER IF NOT EXISTS 'vt_app'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, FILE, REFERENCES, INDEX, ALTER,
  SHOW DATABASES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION CLIENT, CREATE VIEW,
  SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER
  ON *.* TO 'vt_app'@'localhost';

-- Read-only debugging traffic.
CREATE USER IF NOT EXISTS 'vt_appdebug'@'localhost';
GRANT SELECT, SHOW DATABASES, PROCESS ON *.* TO 'vt_appdebug'@'localhost';

-- Administrative work that needs no SUPER.
CREATE USER IF NOT EXISTS 'vt_allprivs'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, FILE, REFERENCES, INDEX, ALTER,
  SHOW DATABASES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, REPLICATION CLIENT,
  CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER
  ON *.* TO 'vt_allprivs'@'localhost';

-- Replication connections (unused with one mysqld, but vttablet expects the account).
CREATE USER IF NOT EXISTS 'vt_repl'@'%';
GRANT REPLICATION SLAVE ON *.* TO 'vt_repl'@'%';

-- The binlog readers behind VStream (vstreamer) and VReplication.
CREATE USER IF NOT EXISTS 'vt_filtered'@'localhost';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, FILE, REFERENCES, INDEX, ALTER,
  SHOW DATABASES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, REPLICATION CLIENT,
  CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER
  ON *.* TO 'vt_filtered'@'localhost';

-- Monitoring.
CREATE USER IF NOT EXISTS 'vt_monitoring'@'localhost';
GRANT SELECT, PROCESS, SUPER, REPLICATION CLIENT, RELOAD ON *.* TO 'vt_monitoring'@'localhost';

-- A fresh server has no replication state and no binlog history worth keeping.
RESET SLAVE ALL;
RESET MASTER;
