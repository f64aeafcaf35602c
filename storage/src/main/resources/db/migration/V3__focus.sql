-- Conference focus state (issue 8). Runs unchanged on PostgreSQL and on H2 in PostgreSQL mode.
-- Times are epoch milliseconds (BIGINT) from the nodes' clocks, which keeps lease arithmetic portable.

-- The SFUs and their last load report: load balancing resumes from these after a restart.
CREATE TABLE focus_bridges (
    jid           VARCHAR(3071) NOT NULL PRIMARY KEY,
    kind          VARCHAR(16)   NOT NULL,
    region        VARCHAR(255),
    version       VARCHAR(255),
    stats         TEXT,
    failure       VARCHAR(1023),
    drain         BOOLEAN       NOT NULL,
    shutting_down BOOLEAN       NOT NULL,
    last_seen     BIGINT        NOT NULL
);

-- room is the bare room JID; meeting_id is also the COLIBRI2 conference id on every SFU; bridges is the focus's
-- own text (the SFUs the conference uses, their COLIBRI2 state and relays).
CREATE TABLE focus_conferences (
    room        VARCHAR(3071) NOT NULL PRIMARY KEY,
    meeting_id  VARCHAR(64),
    state       VARCHAR(16)   NOT NULL,
    bridges     TEXT          NOT NULL,
    updated     BIGINT        NOT NULL
);

CREATE TABLE focus_participants (
    room          VARCHAR(3071) NOT NULL,
    endpoint_id   VARCHAR(1023) NOT NULL,
    occupant_jid  VARCHAR(3071) NOT NULL,
    bridge        VARCHAR(3071),
    sid           VARCHAR(255),
    session_state VARCHAR(16)   NOT NULL,
    data          TEXT,
    PRIMARY KEY (room, endpoint_id),
    FOREIGN KEY (room) REFERENCES focus_conferences (room) ON DELETE CASCADE
);

-- One owner node per conference; another node may take a conference whose lease expired. No foreign key: a lease
-- is taken before the conference's first write, in the same transaction.
CREATE TABLE focus_leases (
    room     VARCHAR(3071) NOT NULL PRIMARY KEY,
    owner    VARCHAR(255)  NOT NULL,
    expires  BIGINT        NOT NULL
);

CREATE INDEX focus_leases_owner ON focus_leases (owner);
