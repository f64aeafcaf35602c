package org.parley.storage.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/** A unit of JDBC work run on a storage thread with a pooled connection. */
@FunctionalInterface
interface SqlWork<T> {
    T run(Connection c) throws SQLException;
}
