package org.parley.bench.load;

/**
 * One client session to open: transport, the domain in the stream header, how to authenticate, and the account
 * (null for ANONYMOUS). {@code REGISTER} creates the account with XEP-0077 and is then ready without logging in.
 */
record ClientSpec(Transport transport, String domain, Auth auth, String user, String password) {
    enum Auth {
        ANONYMOUS, SCRAM, PLAIN, REGISTER;

        static Auth parse(String s) {
            return switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "anonymous" -> ANONYMOUS;
                case "scram" -> SCRAM;
                case "plain" -> PLAIN;
                default -> throw new IllegalArgumentException("auth: scram, plain or anonymous, not " + s);
            };
        }
    }

    static ClientSpec anonymous(Transport t, Target target) {
        return new ClientSpec(t, target.anonymousHost(), Auth.ANONYMOUS, null, null);
    }
}
