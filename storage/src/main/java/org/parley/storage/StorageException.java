package org.parley.storage;

/**
 * A storage operation failed (database unreachable, constraint violated, storage closed). Unchecked so it
 * can travel as the cause of an exceptionally completed future without forcing checked handling everywhere.
 */
public class StorageException extends RuntimeException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
