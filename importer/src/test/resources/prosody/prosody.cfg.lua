-- Prosody's Debian main configuration, trimmed to the settings a Jitsi Meet host keeps.
admins = { }

plugin_paths = { "/usr/share/jitsi-meet/prosody-plugins/" }

modules_enabled = {
	"roster";
	"saslauth";
	"tls";
	"dialback";
	"disco";
	"carbons";
	"pep";
	"private";
	"blocklist";
	"vcard4";
	"vcard_legacy";
	"version";
	"uptime";
	"time";
	"ping";
	"register";
	"admin_adhoc";
}

modules_disabled = {
	-- "offline";
}

allow_registration = false

c2s_require_encryption = true
s2s_require_encryption = true
s2s_secure_auth = false

pidfile = "/run/prosody/prosody.pid"

authentication = "internal_hashed"

archive_expires_after = "1w"

log = {
	info = "/var/log/prosody/prosody.log";
	error = "/var/log/prosody/prosody.err";
	"*syslog";
}

certificates = "certs"

VirtualHost "localhost"

Include "conf.d/*.cfg.lua"
