package org.parley.importer;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * jicofo.conf (HOCON, the same format as Parley's): the settings under {@code jicofo} that have a counterpart in
 * Parley. Read without Jicofo's reference defaults, so that only what the operator set is carried over.
 */
public final class JicofoConfig {
    private final Config jicofo;
    private final Path file;

    private JicofoConfig(Config jicofo, Path file) {
        this.jicofo = jicofo;
        this.file = file;
    }

    public static JicofoConfig read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("cannot read " + file);
        try {
            Config c = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
                    .setAllowMissing(false)).resolve();
            return new JicofoConfig(c.hasPath("jicofo") ? c.getConfig("jicofo") : ConfigFactory.empty(), file);
        } catch (com.typesafe.config.ConfigException e) {
            throw new IOException("jicofo.conf: " + e.getMessage(), e);
        }
    }

    public Path file() { return file; }

    /** The settings under {@code jicofo}. */
    public Config settings() { return jicofo; }

    public String string(String path) {
        return jicofo.hasPath(path) ? jicofo.getString(path) : null;
    }

    public Boolean bool(String path) {
        return jicofo.hasPath(path) ? jicofo.getBoolean(path) : null;
    }

    /** The line of {@code path} in the file, for the report (0 when unknown). */
    public int line(String path) {
        return jicofo.hasPath(path) ? Math.max(0, jicofo.getValue(path).origin().lineNumber()) : 0;
    }
}
