package org.parley.xmpp.sasl;

import java.util.Locale;

/** RFC 6120 section 6.5 SASL failure conditions. */
public enum SaslCondition {
    ABORTED, ACCOUNT_DISABLED, CREDENTIALS_EXPIRED, ENCRYPTION_REQUIRED, INCORRECT_ENCODING,
    INVALID_AUTHZID, INVALID_MECHANISM, MALFORMED_REQUEST, MECHANISM_TOO_WEAK, NOT_AUTHORIZED,
    TEMPORARY_AUTH_FAILURE;

    public static final String NAMESPACE = "urn:ietf:params:xml:ns:xmpp-sasl";

    /** The element name inside {@code <failure/>}, e.g. "not-authorized". */
    public String xmlName() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }
}
