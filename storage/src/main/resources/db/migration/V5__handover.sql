-- State a node hands to its next process across a restart (issue 18): what lives only in memory and must outlive the
-- process for clients not to notice (resumable client sessions, ...). Written once at shutdown, taken (read and
-- deleted) once at start-up. node is the node id (parley.focus.persistence.node-id, else the host name); kind says
-- what a row is ("session", ...); key is unique within a node and kind; format is the version of body's form, so a
-- newer build reads what an older one wrote.
CREATE TABLE handover_state (
    node     VARCHAR(255)  NOT NULL,
    kind     VARCHAR(32)   NOT NULL,
    item_key VARCHAR(1023) NOT NULL,
    format   INTEGER       NOT NULL,
    body     TEXT          NOT NULL,
    written  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (node, kind, item_key)
);
