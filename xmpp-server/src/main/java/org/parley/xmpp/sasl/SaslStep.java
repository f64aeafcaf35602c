package org.parley.xmpp.sasl;

import java.util.Objects;

/** The outcome of one SASL round: another challenge, or a terminal success or failure. */
public sealed interface SaslStep {

    /** Server challenge; {@code data} is the raw (not base64) payload, empty for an empty challenge. */
    record Challenge(byte[] data) implements SaslStep {
        public Challenge { Objects.requireNonNull(data, "data"); }
    }

    /**
     * Authentication succeeded for the normalized local part {@code username}.
     * {@code additionalData} is the raw payload of {@code <success/>} (SCRAM server-final), or null.
     */
    record Success(String username, boolean anonymous, byte[] additionalData) implements SaslStep {
        public Success { Objects.requireNonNull(username, "username"); }
    }

    /**
     * Authentication failed; {@code text} is optional human-readable detail and must not reveal whether the account
     * exists. {@code passwordAttempt} is false for a refusal decided before any credential was looked at (a channel
     * binding type this connection lacks, a downgrade signal): the client's next mechanism may well succeed, so such
     * a failure is answered at once and does not feed the per-address guessing throttle.
     */
    record Failure(SaslCondition condition, String text, boolean passwordAttempt) implements SaslStep {
        public Failure { Objects.requireNonNull(condition, "condition"); }

        public Failure(SaslCondition condition, String text) {
            this(condition, text, true);
        }

        /** A refusal of how the client negotiates, not of who it claims to be. */
        static Failure negotiation(SaslCondition condition, String text) {
            return new Failure(condition, text, false);
        }
    }
}
