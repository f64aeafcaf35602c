// A participant of the Jitsi Meet web app, reduced to what LibJitsiMeetTest looks at: it uses lib-jitsi-meet's
// public API (JitsiMeetJS) in the order jitsi-meet's conference.js does (connection, local tracks, conference,
// addTrack, join), reacts to the server as the web app does (lobby, breakout moves), and records every conference
// event in window.meet.events. jitsi-drive.mjs calls the functions of window.meet and evaluates expressions on it.
(function () {
  const CONF = JitsiMeetJS.events.conference;
  const CONN = JitsiMeetJS.events.connection;
  // Events that fire continuously and say nothing about signalling.
  const NOISY = new Set(['TRACK_AUDIO_LEVEL_CHANGED', 'ENDPOINT_STATS_RECEIVED', 'NOISY_MIC', 'NO_AUDIO_INPUT',
    'AUDIO_INPUT_STATE_CHANGE', 'TALK_WHILE_MUTED', 'DOMINANT_SPEAKER_CHANGED', 'BEFORE_STATISTICS_DISPOSED',
    'PARTICIPANT_CONN_STATUS_CHANGED', 'LAST_N_ENDPOINTS_CHANGED']);
  const TRAFFIC_MAX = 2000;
  const t0 = performance.now();

  JitsiMeetJS.init({ disableAudioLevels: true });
  // ?log=info (jitsi-drive.mjs under JITSI_DRIVE_VERBOSE=1) for lib-jitsi-meet's own account of a failure.
  JitsiMeetJS.setLogLevel(new URLSearchParams(location.search).get('log') || JitsiMeetJS.logLevels.WARN);

  const meet = window.meet = {
    events: [],        // {t, type, args}: conference and connection events, in order
    traffic: [],       // the XMPP stream both ways, for the report when something fails
    errors: [],
    connection: null,
    conference: null,
    tracks: [],
    options: null,     // {hosts, serviceUrl}
    displayName: null,
    followMoves: true, // a breakout move makes this page leave and join the room it is sent to, as the web app does
  };
  window.addEventListener('error', (e) => meet.errors.push('page error: ' + e.message));
  // Strophe catches what a stanza handler throws, logs it and drops the handler: from then on the page silently
  // ignores that kind of stanza (a room's presence, say). That is an error of the page too.
  const warn = console.warn.bind(console);
  console.warn = (...a) => {
    const text = a.map(String).join(' ');
    if (text.includes('Removing Strophe handlers')) meet.errors.push('strophe: ' + text);
    warn(...a);
  };
  window.addEventListener('unhandledrejection', (e) => meet.errors.push('unhandled rejection: ' + describe(e.reason)));

  function describe(v, depth = 0) {
    if (v === null || v === undefined || typeof v !== 'object') return typeof v === 'function' ? '[function]' : v;
    if (v instanceof Error) return v.name + ': ' + v.message;
    if (typeof v.getType === 'function' && typeof v.isMuted === 'function') {
      return { track: v.getType(), local: v.isLocal(), muted: v.isMuted(),
        participant: v.isLocal() ? 'local' : v.getParticipantId() };
    }
    if (typeof v.getId === 'function' && typeof v.getRole === 'function') {
      return { participant: v.getId(), displayName: v.getDisplayName(), role: v.getRole() };
    }
    if (v.nodeType === 1) return new XMLSerializer().serializeToString(v).slice(0, 500);
    if (depth > 4) return '…';
    if (Array.isArray(v)) return v.map((x) => describe(x, depth + 1));
    // Instances of lib-jitsi-meet's classes (sessions, rooms) are big and cyclic: their class name is enough.
    if (Object.getPrototypeOf(v) !== Object.prototype) return '[' + ((v.constructor && v.constructor.name) || 'object') + ']';
    const out = {};
    for (const [k, x] of Object.entries(v)) if (typeof x !== 'function') out[k] = describe(x, depth + 1);
    return out;
  }

  function record(type, args) {
    meet.events.push({ t: Math.round(performance.now() - t0), type, args: args.map((a) => describe(a)) });
  }

  /** Logs in anonymously on hosts.domain over options.serviceUrl (WebSocket or BOSH); resolves with the JID. */
  meet.connect = function (options) {
    meet.options = options;
    return new Promise((resolve, reject) => {
      const c = new JitsiMeetJS.JitsiConnection(null, null, options);
      meet.connection = c;
      const strophe = c.xmpp.connection._stropheConn;
      const stamp = () => ('+' + Math.round(performance.now() - t0) + 'ms').padStart(8);
      const keep = (line) => {
        meet.traffic.push(line);
        if (meet.traffic.length > TRAFFIC_MAX) meet.traffic.shift();
      };
      strophe.rawInput = (d) => keep(stamp() + ' IN  ' + d);
      strophe.rawOutput = (d) => keep(stamp() + ' OUT ' + d);
      for (const [name, value] of Object.entries(CONN)) c.addEventListener(value, (...a) => record('connection.' + name, a));
      // Strophe's own connection states, including those lib-jitsi-meet keeps from its listeners while it resumes a
      // dropped WebSocket (XEP-0198): 'xmpp.DISCONNECTED', 'xmpp.CONNFAIL', 'xmpp.CONNECTED', ...
      const statusName = Object.fromEntries(Object.entries(c.xmpp.connection.constructor.Status).map(([k, v]) => [v, k]));
      const changeStatus = strophe._changeConnectStatus.bind(strophe);
      strophe._changeConnectStatus = (status, condition, ...rest) => {
        record('xmpp.' + statusName[status], condition ? [condition] : []);
        return changeStatus(status, condition, ...rest);
      };
      c.addEventListener(CONN.CONNECTION_ESTABLISHED, () => resolve(c.xmpp.connection.jid));
      c.addEventListener(CONN.CONNECTION_FAILED, (e, msg) => reject(new Error('connection failed: ' + e + ' ' + (msg || ''))));
      c.connect();
    });
  };

  /**
   * Joins room (a name on hosts.muc, or a String with .domain for another MUC service, as the web app's breakout
   * move passes it) with fake camera and microphone: as conference.js, local tracks are created and added before
   * join(). Resolves with this participant's id once CONFERENCE_JOINED; rejects with the CONFERENCE_FAILED error.
   */
  meet.join = async function (room, displayName) {
    meet.displayName = displayName || meet.displayName;
    if (meet.tracks.length === 0) meet.tracks = await JitsiMeetJS.createLocalTracks({ devices: ['audio', 'video'] });
    const conf = meet.connection.initJitsiConference(room, {
      p2p: { enabled: false },
      openBridgeChannel: 'websocket',
      disableAudioLevels: true,
      statisticsId: meet.displayName,
    });
    meet.conference = conf;
    for (const [name, value] of Object.entries(CONF)) {
      if (!NOISY.has(name)) conf.on(value, (...a) => record(name, a));
    }
    conf.on(CONF.BREAKOUT_ROOMS_MOVE_TO_ROOM, (roomJid) => {
      if (meet.followMoves) meet.moveTo(roomJid).catch((e) => meet.errors.push('move: ' + describe(e)));
    });
    if (meet.displayName) conf.setDisplayName(meet.displayName);
    for (const t of meet.tracks) await conf.addTrack(t);
    return new Promise((resolve, reject) => {
      conf.on(CONF.CONFERENCE_JOINED, () => resolve(conf.myUserId()));
      conf.on(CONF.CONFERENCE_FAILED, (error, ...rest) => reject(new Error(String(error))));
      conf.join();
    });
  };

  /**
   * What jitsi-meet's moveToRoom does on a move: leave the conference, then join the room given as a full JID
   * (its node, with its domain attached as .domain) with fresh local tracks.
   */
  meet.moveTo = async function (roomJid) {
    const [node, domain] = roomJid.split('@');
    record('MOVING', [roomJid]);
    await meet.conference.leave();
    for (const t of meet.tracks) await t.dispose();
    meet.tracks = [];
    const room = new String(node); // eslint-disable-line no-new-wrappers
    room.domain = domain;
    const id = await meet.join(room);
    record('MOVED', [roomJid, id]);
    return id;
  };

  /**
   * The web app's lobby screen: after the join failed with the members-only error, knock with a name and email.
   * Resolves once in the lobby room; approval makes lib-jitsi-meet join the main room (CONFERENCE_JOINED).
   */
  meet.knock = function (displayName, email) {
    return meet.conference.joinLobby(displayName, email);
  };

  /** The breakout rooms this page knows (the last room list), as [{id, jid, name, isMainRoom, participants}]. */
  meet.rooms = function () {
    return Object.values(meet.conference.getBreakoutRooms()._rooms || {}).map((r) => describe(r));
  };

  /**
   * The web app's "Send to breakout room" (jitsi-meet's sendParticipantToRoom): the participant's connection JID is
   * found in the room list (its entries are keyed by room JID), the target is the room named roomName.
   */
  meet.sendToRoom = function (participantId, roomName) {
    const breakout = meet.conference.getBreakoutRooms();
    const rooms = Object.values(breakout._rooms || {});
    const target = rooms.find((r) => r.name === roomName || (roomName === null && r.isMainRoom));
    const roomJid = meet.conference.getParticipantById(participantId)
      ? meet.conference.getParticipantById(participantId).getJid() : null;
    let participantJid = null;
    for (const r of rooms) {
      const p = Object.entries(r.participants || {}).find(([k, v]) => k === roomJid || k.endsWith('/' + participantId));
      if (p) participantJid = p[1].jid;
    }
    if (!target || !participantJid) throw new Error(`no room ${roomName} or no JID for ${participantId}`);
    breakout.sendParticipantToRoom(participantJid, target.jid);
    return { participantJid, roomJid: target.jid };
  };

  /** Whether this page is in the conference of that room JID (false while it moves between rooms). */
  meet.inRoom = function (roomJid) {
    const c = meet.conference;
    return Boolean(c && c.room && c.room.roomjid === roomJid && c.isJoined());
  };

  /** The participant id whose display name is name, as seen by this page, or null. */
  meet.idOf = function (name) {
    const p = meet.conference.getParticipants().find((x) => x.getDisplayName() === name);
    return p ? p.getId() : null;
  };

  /** The local track of type 'audio' or 'video' as {track, muted}. */
  meet.local = function (type) {
    const t = meet.conference.getLocalTracks().find((x) => x.getType() === type);
    return t ? describe(t) : null;
  };

  /** Unmutes the local track of that type, as the web app's button does. */
  meet.unmute = async function (type) {
    const t = meet.conference.getLocalTracks().find((x) => x.getType() === type);
    await t.unmute();
    return describe(t);
  };

  /** Whether want matches got: equal, or an object whose every property matches got's (got may have more). */
  function matches(got, want) {
    if (want === null || typeof want !== 'object') return got === want;
    if (got === null || typeof got !== 'object') return false;
    return Object.entries(want).every(([k, w]) => matches(got[k], w));
  }

  /** Whether an event of that type was recorded with, for each given value, an argument matching it. */
  meet.saw = function (type, ...values) {
    return meet.events.some((e) => e.type === type && values.every((v) => e.args.some((a) => matches(a, v))));
  };

  /**
   * The number of stanzas that went that way ('IN' or 'OUT') containing all the given strings, looked for in the
   * stanza's text with the XML escapes of quotes and apostrophes undone (servers differ in what they escape).
   */
  meet.stanzas = function (way, ...parts) {
    const unescaped = (l) => l.replace(/&quot;/g, '"').replace(/&apos;/g, "'");
    return meet.traffic.filter((l) => l.includes(' ' + way.padEnd(3) + ' ') && parts.every((p) => unescaped(l).includes(p))).length;
  };

  /** How many conference events of that type were recorded with, for each given value, an argument matching it. */
  meet.count = function (type, ...values) {
    return meet.events.filter((e) => e.type === type && values.every((v) => e.args.some((a) => matches(a, v)))).length;
  };

  meet.leave = async function () {
    if (meet.conference) await meet.conference.leave();
    for (const t of meet.tracks) await t.dispose();
    meet.tracks = [];
    if (meet.connection) meet.connection.disconnect();
  };
})();
