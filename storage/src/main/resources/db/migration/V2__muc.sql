-- Persistent MUC rooms (XEP-0045). Runs unchanged on PostgreSQL and on H2 in PostgreSQL mode.
-- Only rooms configured as persistent are stored; temporary rooms live in memory only.
-- domain is the MUC service's domain (conference.example.org), name the room's JID localpart.

CREATE TABLE muc_rooms (
    domain      VARCHAR(1023) NOT NULL,
    name        VARCHAR(1023) NOT NULL,
    meeting_id  VARCHAR(64)   NOT NULL,
    config      TEXT          NOT NULL,
    created     TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated     TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (domain, name)
);

-- jid is a bare JID or a domain; affiliation one of owner, admin, member, outcast (none is never stored).
CREATE TABLE muc_affiliations (
    domain      VARCHAR(1023) NOT NULL,
    name        VARCHAR(1023) NOT NULL,
    jid         VARCHAR(3071) NOT NULL,
    affiliation VARCHAR(16)   NOT NULL,
    nick        VARCHAR(1023),
    reason      TEXT,
    PRIMARY KEY (domain, name, jid),
    FOREIGN KEY (domain, name) REFERENCES muc_rooms (domain, name) ON DELETE CASCADE
);
