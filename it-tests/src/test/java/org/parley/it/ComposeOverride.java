package org.parley.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code app/src/docker/docker-compose.parley.yml} as docker compose merges it: the variables its {@code prosody}
 * service adds to the environment docker-jitsi-meet's {@code docker-compose.yml} gives that service.
 */
public final class ComposeOverride {
    public static final Path FILE = Path.of("..", "app", "src", "docker", "docker-compose.parley.yml").toAbsolutePath().normalize();

    private ComposeOverride() {}

    /** The names under {@code services.prosody.environment} (list form, {@code - NAME}). */
    public static List<String> prosodyEnvironment() throws Exception {
        List<String> out = new ArrayList<>();
        String service = null;
        boolean inEnvironment = false;
        for (String line : Files.readAllLines(FILE)) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) continue;
            int indent = line.indexOf(trimmed);
            if (indent == 4 && trimmed.endsWith(":")) {
                service = trimmed.substring(0, trimmed.length() - 1);
                inEnvironment = false;
            } else if (indent == 8) {
                inEnvironment = "prosody".equals(service) && trimmed.equals("environment:");
            } else if (inEnvironment && trimmed.startsWith("- ")) {
                out.add(trimmed.substring(2).strip());
            }
        }
        return out;
    }
}
