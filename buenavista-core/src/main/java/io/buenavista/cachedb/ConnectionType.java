package io.buenavista.cachedb;

/** Whether a cachedb session reads (the database's read credentials) or writes (its admin credentials). */
public enum ConnectionType {
    READ, WRITE
}
