package org.parley.app;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reads a new password from the terminal (twice, without echo) or, when piped, one line of stdin. */
final class PasswordPrompt {
    private final BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    String read(PrintStream out) throws IOException {
        Console console = System.console();
        if (console != null) {
            char[] first = console.readPassword("Password: ");
            char[] second = console.readPassword("Repeat password: ");
            if (first == null || second == null) throw new IOException("no password given");
            try {
                if (!Arrays.equals(first, second)) throw new IOException("the passwords differ");
                return new String(first);
            } finally {
                Arrays.fill(first, '\0');
                Arrays.fill(second, '\0');
            }
        }
        String line = stdin.readLine();
        if (line == null) throw new IOException("no password on standard input");
        return line;
    }
}
