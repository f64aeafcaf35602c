plugin_paths = { "/usr/share/jitsi-meet/prosody-plugins/" }

-- domain mapper options, must at least have domain base set to use the mapper
muc_mapper_domain_base = "meet.example.test";

external_service_secret = "turn-secret-0123";
external_services = {
     { type = "stun", host = "meet.example.test", port = 3478 },
     { type = "turn", host = "meet.example.test", port = 3478, transport = "udp", secret = true, ttl = 86400, algorithm = "turn" },
     { type = "turns", host = "meet.example.test", port = 5349, transport = "tcp", secret = true, ttl = 86400, algorithm = "turn" }
};

cross_domain_bosh = false;
consider_bosh_secure = true;
-- https_ports = { }; -- Remove this line to prevent listening on port 5284

-- https://ssl-config.mozilla.org/#server=haproxy&version=2.1&config=intermediate&openssl=1.1.0g&guideline=5.4
ssl = {
    protocol = "tlsv1_2+";
    ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"
}

unlimited_jids = {
    "focus@auth.meet.example.test",
    "jvb@auth.meet.example.test"
}

VirtualHost "meet.example.test"
    authentication = "jitsi-anonymous" -- do not delete me
    -- Properties below are modified by jitsi-meet-tokens package config
    -- and authentication above is switched to "token"
    --app_id="example_app_id"
    --app_secret="example_app_secret"
    -- Assign this host a certificate for TLS, otherwise it would use the one
    -- set in the global section (if any).
    -- Note that old-style SSL on port 5223 only supports one certificate, and will always
    -- use the global one.
    ssl = {
        key = "/etc/prosody/certs/meet.example.test.key";
        certificate = "/etc/prosody/certs/meet.example.test.crt";
    }
    av_moderation_component = "avmoderation.meet.example.test"
    speakerstats_component = "speakerstats.meet.example.test"
    conference_duration_component = "conferenceduration.meet.example.test"
    end_conference_component = "endconference.meet.example.test"
    -- we need bosh
    modules_enabled = {
        "bosh";
        "pubsub";
        "ping"; -- Enable mod_ping
        "speakerstats";
        "external_services";
        "conference_duration";
        "end_conference";
        "muc_lobby_rooms";
        "muc_breakout_rooms";
        "av_moderation";
    }
    c2s_require_encryption = false
    lobby_muc = "lobby.meet.example.test"
    breakout_rooms_muc = "breakout.meet.example.test"
    main_muc = "conference.meet.example.test"
    -- muc_lobby_whitelist = { "recorder.meet.example.test" } -- Here we can whitelist jibri to enter lobby enabled rooms

Component "conference.meet.example.test" "muc"
    restrict_room_creation = true
    storage = "memory"
    modules_enabled = {
        "muc_meeting_id";
        "muc_domain_mapper";
        "polls";
        --"token_verification";
        "muc_rate_limit";
    }
    admins = { "focus@auth.meet.example.test" }
    muc_room_locking = false
    muc_room_default_public_jids = true

Component "breakout.meet.example.test" "muc"
    restrict_room_creation = true
    storage = "memory"
    modules_enabled = {
        "muc_meeting_id";
        "muc_domain_mapper";
        "muc_rate_limit";
        "polls";
    }
    admins = { "focus@auth.meet.example.test" }
    muc_room_locking = false
    muc_room_default_public_jids = true

-- internal muc component
Component "internal.auth.meet.example.test" "muc"
    storage = "memory"
    modules_enabled = {
        "ping";
    }
    admins = { "focus@auth.meet.example.test", "jvb@auth.meet.example.test" }
    muc_room_locking = false
    muc_room_default_public_jids = true

VirtualHost "auth.meet.example.test"
    ssl = {
        key = "/etc/prosody/certs/auth.meet.example.test.key";
        certificate = "/etc/prosody/certs/auth.meet.example.test.crt";
    }
    modules_enabled = {
        "limits_exception";
    }
    authentication = "internal_hashed"

-- Proxy to jicofo's user JID, so that it doesn't have to register as a component.
Component "focus.meet.example.test" "client_proxy"
    target_address = "focus@auth.meet.example.test"

Component "speakerstats.meet.example.test" "speakerstats_component"
    muc_component = "conference.meet.example.test"

Component "conferenceduration.meet.example.test" "conference_duration_component"
    muc_component = "conference.meet.example.test"

Component "endconference.meet.example.test" "end_conference"
    muc_component = "conference.meet.example.test"

Component "avmoderation.meet.example.test" "av_moderation_component"
    muc_component = "conference.meet.example.test"

Component "lobby.meet.example.test" "muc"
    storage = "memory"
    restrict_room_creation = true
    muc_room_locking = false
    muc_room_default_public_jids = true
    modules_enabled = {
        "muc_rate_limit";
        "polls";
    }
