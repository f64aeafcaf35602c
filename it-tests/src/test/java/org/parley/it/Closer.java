package org.parley.it;

import java.util.ArrayList;
import java.util.List;

/** What a test started (child servers, SFUs, clients), closed last-first after it, each on a best-effort basis. */
final class Closer {
    private final List<AutoCloseable> open = new ArrayList<>();

    <T extends AutoCloseable> T add(T resource) {
        open.add(resource);
        return resource;
    }

    void closeAll() {
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (Exception ignored) {
                // best effort: the rest must still be closed
            }
        }
        open.clear();
    }
}
