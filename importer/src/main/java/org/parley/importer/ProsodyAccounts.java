package org.parley.importer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.compiler.LuaC;

/**
 * The accounts Prosody's {@code internal_hashed} (and {@code internal_plain}) keep in its data directory:
 * {@code <data>/<host>/accounts/<user>.dat}, host and user with every character but letters and digits written as
 * {@code %xx}, each file a Lua chunk returning a table ({@code stored_key}, {@code server_key} in hex, {@code salt},
 * {@code iteration_count}; or {@code password} for internal_plain). The files are data: they run with no functions
 * in reach.
 */
public final class ProsodyAccounts {
    private static final long MAX_FILE_BYTES = 64 * 1024;

    /** One account: SCRAM-SHA-1 keys as Prosody derived them, or the plain password of internal_plain. */
    public record Account(String host, String user, byte[] salt, int iterations, byte[] storedKey, byte[] serverKey,
                          String plainPassword, Path file) {
        public boolean hashed() { return storedKey != null; }
    }

    /** A file that could not be read as an account, with why. */
    public record Problem(Path file, String reason) {}

    public record Result(List<Account> accounts, List<Problem> problems) {}

    private ProsodyAccounts() {}

    /** The accounts of {@code host} under {@code dataDir} (none when the host has no accounts directory). */
    public static Result read(Path dataDir, String host) throws IOException {
        Path dir = dataDir.resolve(encode(host)).resolve("accounts");
        List<Account> accounts = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        if (!Files.isDirectory(dir)) return new Result(accounts, problems);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.dat")) {
            ds.forEach(files::add);
        }
        files.sort(null);
        for (Path f : files) {
            String name = f.getFileName().toString();
            String user = decode(name.substring(0, name.length() - ".dat".length()));
            try {
                accounts.add(account(host, user, f));
            } catch (IOException | LuaError | IllegalArgumentException e) {
                problems.add(new Problem(f, e.getMessage()));
            }
        }
        return new Result(accounts, problems);
    }

    private static Account account(String host, String user, Path file) throws IOException {
        if (Files.size(file) > MAX_FILE_BYTES) throw new IOException("larger than " + MAX_FILE_BYTES + " bytes");
        Globals g = new Globals();
        LoadState.install(g);
        LuaC.install(g);
        LuaValue data;
        try (InputStream in = Files.newInputStream(file)) {
            // An empty environment: a data file that calls anything fails instead of doing it.
            data = g.load(in, "@" + file, "t", new org.luaj.vm2.LuaTable()).call();
        }
        Object v = ProsodyConfigReader.toJava(data, 0);
        if (!(v instanceof Map<?, ?> map)) throw new IllegalArgumentException("not an account record");
        Object password = map.get("password");
        Object stored = map.get("stored_key");
        if (stored instanceof String sk && map.get("server_key") instanceof String svk && map.get("salt") instanceof String salt
                && map.get("iteration_count") instanceof Number it) {
            HexFormat hex = HexFormat.of();
            return new Account(host, user, salt.getBytes(StandardCharsets.UTF_8), it.intValue(), hex.parseHex(sk),
                    hex.parseHex(svk), null, file);
        }
        if (password instanceof String p) return new Account(host, user, null, 0, null, null, p, file);
        throw new IllegalArgumentException("neither SCRAM keys (stored_key, server_key, salt, iteration_count) nor a password");
    }

    /** Prosody's datamanager encoding: every byte that is not a letter or digit as {@code %xx}. */
    public static String encode(String s) {
        StringBuilder b = new StringBuilder();
        for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) b.append((char) c);
            else b.append('%').append(String.format("%02x", c & 0xff));
        }
        return b.toString();
    }

    public static String decode(String s) {
        byte[] out = new byte[s.length()];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                out[n++] = (byte) Integer.parseInt(s.substring(i + 1, i + 3), 16);
                i += 2;
            } else {
                out[n++] = (byte) c;
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }
}
