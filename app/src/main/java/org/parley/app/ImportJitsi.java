package org.parley.app;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.parley.importer.JicofoConfig;
import org.parley.importer.JitsiImport;
import org.parley.importer.ProsodyAccounts;
import org.parley.importer.ProsodyConfig;
import org.parley.importer.ProsodyConfigReader;
import org.parley.storage.ScramCredential;
import org.parley.storage.jdbc.JdbcStorage;
import org.parley.xmpp.config.ConfigException;
import org.parley.xmpp.config.ConfigLoader;
import org.parley.xmpp.config.ConfigProblem;
import org.parley.xmpp.config.ServerConfig;
import org.parley.xmpp.sasl.ScramCredentials;

/**
 * {@code parley import-jitsi --prosody FILE [--prosody-data DIR] [--jicofo FILE] [--out FILE] [--data-dir DIR]}:
 * writes one Parley configuration for a Prosody + Jicofo setup and copies the accounts into the database it names.
 * Exit codes: 0 everything carried over; 3 written, but some settings change behaviour (listed, one line each);
 * 1 nothing written (unreadable input, or the result would not load); 2 bad arguments.
 */
final class ImportJitsi {
    static final int CHANGES_BEHAVIOUR = 3;
    private final PrintStream out;

    ImportJitsi(PrintStream out) {
        this.out = out;
    }

    int run(List<String> args) throws Exception {
        Path prosody = null;
        Path prosodyData = Path.of("/var/lib/prosody");
        Path jicofo = null;
        Path target = null;
        String dataDir = "/var/lib/parley";
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (i + 1 >= args.size()) return usage(a + " needs a value");
            String v = args.get(++i);
            switch (a) {
                case "--prosody" -> prosody = Path.of(v);
                case "--prosody-data" -> prosodyData = Path.of(v);
                case "--jicofo" -> jicofo = Path.of(v);
                case "--out" -> target = Path.of(v);
                case "--data-dir" -> dataDir = v;
                default -> {
                    return usage("unknown option " + a);
                }
            }
        }
        if (prosody == null) return usage("--prosody FILE is required");
        ProsodyConfig config;
        JicofoConfig jicofoConfig;
        try {
            config = ProsodyConfigReader.read(prosody);
            jicofoConfig = jicofo == null ? null : JicofoConfig.read(jicofo);
        } catch (IOException e) {
            out.println("import-jitsi: " + e.getMessage());
            return 1;
        }
        JitsiImport.Result result = JitsiImport.convert(config, Files.isDirectory(prosodyData) ? prosodyData : null,
                jicofoConfig, dataDir);
        for (JitsiImport.Note n : result.notes()) out.println(n);

        // Written beside the target first, and checked by loading it as the server will: a result that would not
        // load replaces nothing.
        Path file = target != null ? target : Files.createTempFile("parley-import", ".conf");
        Path dir = file.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, ".parley-import", ".conf");
        try {
            Files.writeString(temp, result.config(), StandardCharsets.UTF_8);
            keepModeOf(file, temp);
            ServerConfig loaded;
            try {
                loaded = ConfigLoader.load(temp);
            } catch (ConfigException e) {
                out.println("import-jitsi: the result would not load; nothing written:");
                for (ConfigProblem p : e.problems()) out.println("  " + p);
                return 1;
            }
            if (target == null) {
                System.out.print(result.config());
            } else {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                out.println("wrote " + file);
                copyAccounts(loaded, result.accounts());
            }
        } finally {
            Files.deleteIfExists(temp);
            if (target == null) Files.deleteIfExists(file);
        }
        if (target == null && !result.accounts().isEmpty()) {
            out.println(result.accounts().size() + " accounts not copied: give --out to write the configuration and its database");
        }
        if (result.changesBehaviour()) {
            out.println("import-jitsi: the lines above without \"(no effect)\" change behaviour; the configuration is written");
            return CHANGES_BEHAVIOUR;
        }
        return 0;
    }

    /** An existing configuration's owner and mode stay (the package makes it root:parley 0640); a new one is 0640. */
    private static void keepModeOf(Path existing, Path temp) {
        try {
            if (Files.exists(existing)) {
                Files.setPosixFilePermissions(temp, Files.getPosixFilePermissions(existing));
                Files.setOwner(temp, Files.getOwner(existing));
                Files.setAttribute(temp, "posix:group", Files.readAttributes(existing,
                        java.nio.file.attribute.PosixFileAttributes.class).group());
            } else {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r-----"));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Not POSIX, or not ours to chown: the default mode of a new file stays.
        }
    }

    /** The accounts into the database the new configuration names; an account that exists gets the imported keys. */
    private void copyAccounts(ServerConfig config, List<ProsodyAccounts.Account> accounts) throws Exception {
        if (accounts.isEmpty()) return;
        try (JdbcStorage storage = JdbcStorage.open(config.storage())) {
            int created = 0;
            int updated = 0;
            for (ProsodyAccounts.Account a : accounts) {
                List<ScramCredential> credentials = a.hashed()
                        ? List.of(new ScramCredential(ScramCredentials.SCRAM_SHA_1, a.salt(), a.iterations(), a.storedKey(), a.serverKey()))
                        : ScramCredentials.deriveAll(a.plainPassword());
                if (storage.accounts().create(a.host(), a.user(), credentials).get(30, TimeUnit.SECONDS)) {
                    created++;
                } else if (storage.accounts().updateCredentials(a.host(), a.user(), credentials).get(30, TimeUnit.SECONDS)) {
                    updated++;
                }
            }
            out.println("accounts: " + created + " created, " + updated + " updated (" + storage.dataSourceDescription() + ")");
        }
    }

    private int usage(String why) {
        out.println("import-jitsi: " + why);
        out.println("usage: parley import-jitsi --prosody FILE [--prosody-data DIR] [--jicofo FILE] [--out FILE] [--data-dir DIR]");
        return 2;
    }
}
