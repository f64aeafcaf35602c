package org.parley.muc;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dom4j.Element;
import org.dom4j.QName;
import org.parley.muc.Presences.Change;
import org.parley.xmpp.router.Stanzas;
import org.parley.storage.StoredRoom;
import org.parley.xmpp.session.SharedStanza;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xmpp.packet.IQ;
import org.xmpp.packet.JID;
import org.xmpp.packet.Message;
import org.xmpp.packet.Packet;
import org.xmpp.packet.PacketError;
import org.xmpp.packet.Presence;

/**
 * One MUC room: an actor. Everything here runs on the room's executor, one step at a time, so nothing is
 * locked; the fields other threads read (config, counts, meeting id) are volatile or final. Every step writes its
 * output to an {@link Outbox} that is flushed when the step ends.
 */
final class Room {
    private static final Logger log = LoggerFactory.getLogger(Room.class);
    private static final Logger roomLog = LoggerFactory.getLogger("org.parley.muc.RoomLog");
    private static final int[] SELF = {110};
    private static final String RESERVED_NICK_NODE = "x-roomuser-item";
    static final long REJOIN_INTERVAL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

    final MucDomain service;
    final String name;
    final JID jid;
    final String jidString;
    final Instant created;
    final byte[] secret;
    volatile RoomConfig config;
    volatile String meetingId;
    /** Occupants in order of arrival, by nick. */
    private final Map<String, Occupant> byNick = new LinkedHashMap<>();
    private final Map<JID, Occupant> byJid = new HashMap<>();
    /** Affiliations other than none, by bare JID or domain. */
    private final Map<String, AffiliationEntry> affiliations = new HashMap<>();
    private final History history;
    private volatile int occupantCount;
    /** Created and waiting for its owner's configuration (XEP-0045 10.1.1). */
    volatile boolean locked;
    /** Started by a user with a token: with token-guests, users without one may enter too. */
    boolean tokenRoom;
    private boolean destroyed;
    private String subject = "";
    private String subjectNick;
    private SharedStanza subjectStanza;
    private RoomHandle handle;
    private VisibleOutbox visible;
    /** The sender of the stanza this step handles (for modules: who configured, invited, kicked); null otherwise. */
    private JID actor;
    /**
     * Something may have changed since the room's last checkpoint (a stanza or a module's step ran on it); set on the
     * room's thread, read by the checkpoint's. New and restored rooms start with it.
     */
    volatile boolean checkpointDue = true;

    record AffiliationEntry(Affiliation affiliation, String nick, String reason) {}

    Room(MucDomain service, String name, RoomConfig config, String meetingId, byte[] secret, Instant created) {
        this.service = service;
        this.name = name;
        this.jid = new JID(name, service.domain(), null, true);
        this.jidString = jid.toString();
        this.config = config;
        this.meetingId = meetingId;
        this.secret = secret;
        this.created = created;
        this.history = new History(config.historyLength());
    }

    int occupantCount() { return occupantCount; }

    boolean destroyed() { return destroyed; }

    /** The room as its modules see it. */
    RoomHandle handle() {
        if (handle == null) handle = new RoomHandle(this, visible(service.outbox(this)));
        return handle;
    }

    /** The step's output, filtered where a module hides occupants from each other ({@link RoomModule#hides}). */
    private Outbox visible(Outbox out) {
        if (!service.hooks().hiding()) return out;
        if (visible == null || visible.next != out) visible = new VisibleOutbox(this, out);
        return visible;
    }

    Occupant occupantOf(JID realJid) { return byJid.get(realJid); }

    Occupant occupantAt(String nick) { return byNick.get(nick); }

    // ---- dispatch ----

    /** A stanza addressed to the room or to one of its occupant JIDs. */
    void handle(Packet p, Outbox out) {
        out = visible(out);
        actor = p.getFrom();
        try {
            String nick = p.getTo().getResource();
            if (p instanceof Presence pr) {
                if (nick == null) presenceToRoom(pr, out);
                else presenceToOccupant(pr, nick, false, out);
            } else if (p instanceof Message m) {
                if (nick == null) messageToRoom(m, out);
                else messageToOccupant(m, nick, out);
            } else if (p instanceof IQ iq) {
                if (nick == null) iqToRoom(iq, out);
                else iqToOccupant(iq, nick, out);
            }
        } finally {
            actor = null;
        }
    }

    JID actor() { return actor; }

    /** The presence that made the service create this room; its sender becomes the owner. */
    void create(Presence pr, Outbox out) {
        out = visible(out);
        service.hooks().created(this);
        affiliations.put(pr.getFrom().toBareJID(), new AffiliationEntry(Affiliation.OWNER, null, null));
        presenceToOccupant(pr, pr.getTo().getResource(), true, out);
        if (byNick.isEmpty()) destroyQuietly();
    }

    static void error(Packet p, MucError e, Outbox out) {
        Packet reply = Stanzas.errorReply(p, e.error);
        if (reply != null) out.packet(Ns.qualify(reply));
    }

    // ---- presence ----

    private void presenceToRoom(Presence pr, Outbox out) {
        Occupant o = byJid.get(pr.getFrom());
        if (pr.getType() == Presence.Type.unavailable) {
            if (o != null) leave(o, pr, out);
        } else if (pr.getType() == null) {
            error(pr, new MucError(PacketError.Condition.jid_malformed, PacketError.Type.modify,
                    "A nickname is needed to enter: send presence to room@service/nick"), out);
        }
    }

    private void presenceToOccupant(Presence pr, String nick, boolean creating, Outbox out) {
        Occupant o = byJid.get(pr.getFrom());
        Presence.Type type = pr.getType();
        if (type == null) {
            if (o == null) {
                join(pr, nick, creating, out);
            } else if (o.nick.equals(nick)) {
                update(o, pr, out);
            } else {
                String prepped = prep(nick);
                if (prepped == null) error(pr, malformedNick(), out);
                else if (o.nick.equals(prepped)) update(o, pr, out);
                else changeNick(o, pr, prepped, out);
            }
        } else if (type == Presence.Type.unavailable) {
            if (o != null) leave(o, pr, out);
        } else if (type == Presence.Type.error) {
            if (o != null && kickable(pr.getElement())) remove(o, Change.leave(o, null, 333), null, out);
        }
        // Subscriptions and probes to a room mean nothing (XEP-0045 does not use them).
    }

    private void join(Presence pr, String requestedNick, boolean creating, Outbox out) {
        JID from = pr.getFrom();
        JoinRequest req;
        try {
            req = JoinRequest.parse(pr);
        } catch (MucError e) {
            error(pr, e, out);
            return;
        }
        Affiliation aff = affiliationOf(from);
        org.parley.xmpp.token.TokenIdentity identity = service.token(from);
        // The core hands over addresses as the client wrote them (Tinder skips stringprep on stanza addresses); nicks
        // are compared after resourceprep, and a nick that stringprep changed is reported with status 210.
        String nick = prep(requestedNick);
        boolean nickModified = nick != null && !nick.equals(requestedNick);
        try {
            if (nick == null) throw malformedNick();
            if (!service.admits(from)) {
                throw MucError.notAllowed("This service admits only the accounts it is configured for");
            }
            MucError tokenRefusal = service.tokenRefusal(from, name, creating ? null : this);
            if (tokenRefusal != null) throw tokenRefusal;
            if (identity != null && identity.moderator() && service.settings().tokenVerification() && aff != Affiliation.OWNER
                    && aff != Affiliation.OUTCAST) {
                // The token's moderator claim: an owner of the room (Jitsi's mod_token_affiliation).
                affiliations.put(from.toBareJID(), new AffiliationEntry(Affiliation.OWNER, null, null));
                aff = Affiliation.OWNER;
            }
            if (locked && aff != Affiliation.OWNER) {
                throw MucError.itemNotFound("The room is locked until its owner configures it");
            }
            if (aff == Affiliation.OUTCAST) {
                throw new MucError(PacketError.Condition.forbidden, PacketError.Type.auth, "You are banned from this room");
            }
            Packet refusal = service.hooks().entering(this, from, pr);
            if (refusal != null) {
                out.packet(Ns.qualify(refusal));
                return;
            }
            aff = affiliationOf(from);
            RoomConfig c = config;
            if (c.membersOnly() && !aff.atLeast(Affiliation.MEMBER)) {
                throw new MucError(PacketError.Condition.registration_required, PacketError.Type.auth, "Only members may enter this room");
            }
            if (c.passwordProtected() && !creating && !aff.atLeast(Affiliation.ADMIN)
                    && !c.password().equals(req.password())) {
                throw new MucError(PacketError.Condition.not_authorized, PacketError.Type.auth, "A password is needed to enter this room");
            }
            String reserved = reservedNickOf(from.toBareJID());
            if (reserved != null && !reserved.equals(nick)) {
                nick = reserved;
                nickModified = true;
            } else if (reserved == null && reservedBy(nick) != null) {
                throw MucError.conflict("That nickname is reserved by another user");
            }
            if (byNick.containsKey(nick)) throw MucError.conflict("That nickname is in use by another occupant");
            if (c.maxUsers() > 0 && byNick.size() >= c.maxUsers() && !aff.atLeast(Affiliation.ADMIN)) {
                throw new MucError(PacketError.Condition.service_unavailable, PacketError.Type.wait, "The room is full");
            }
            PacketError veto = service.hooks().joining(this, from, nick, pr);
            if (veto != null) throw new MucError(veto);
        } catch (MucError e) {
            error(pr, e, out);
            return;
        }
        JID occupantJid = new JID(name, service.domain(), nick, true);
        Occupant o = new Occupant(from, nick, occupantJid, occupantId(from.toBareJID()), defaultRole(aff), aff,
                Presences.withIdentity(Presences.payload(pr.getElement()), identity));
        o.identity = identity;
        service.hooks().presence(this, o);
        boolean seesJids = seesJids(o);
        // XEP-0045 7.2.3: first everyone already there, then the newcomer to the others and to itself. It is an
        // occupant before the first copy goes out, so a module hiding occupants from each other knows the recipient.
        byNick.put(nick, o);
        byJid.put(from, o);
        occupantCount = byNick.size();
        for (Occupant other : byNick.values()) if (other != o) out.shared(from, other.view(seesJids));
        for (Occupant other : byNick.values()) {
            if (other != o) out.shared(other.realJid, o.view(seesJids(other)));
        }
        out.shared(from, new SharedStanza(Presences.build(o, Change.of(o), seesJids,
                selfCodes(creating, nickModified), pr.getID())));
        sendHistoryAndSubject(o, req, out);
        service.hooks().joined(this, o);
        if (config.logging()) roomLog.info("{}: {} joined", jidString, nick);
    }

    private int[] selfCodes(boolean created, boolean nickModified) {
        RoomConfig c = config;
        int[] codes = new int[5];
        int n = 0;
        codes[n++] = 110;
        if (c.nonAnonymous()) codes[n++] = 100;
        if (c.logging()) codes[n++] = 170;
        if (created) codes[n++] = 201;
        if (nickModified) codes[n++] = 210;
        return java.util.Arrays.copyOf(codes, n);
    }

    private void sendHistoryAndSubject(Occupant o, JoinRequest req, Outbox out) {
        int defaultStanzas = Math.min(service.settings().historyDefault(), config.historyLength());
        for (History.Entry e : history.select(req.history(), defaultStanzas, service.now())) out.shared(o.realJid, e.delayed());
        out.shared(o.realJid, subjectStanza());
    }

    /** A presence from an occupant under its current nick: new status, or a rejoin after losing track. */
    private void update(Occupant o, Presence pr, Outbox out) {
        o.payload = Presences.withIdentity(Presences.payload(pr.getElement()), o.identity);
        o.changed();
        service.hooks().presence(this, o);
        boolean rejoin = pr.getElement().element(QName.get("x", Ns.MUC)) != null;
        long now = System.nanoTime();
        if (rejoin && now - o.lastRejoin < REJOIN_INTERVAL_NANOS) {
            // A full resend costs as much as the room is big; a client repeating joins only updates its presence.
            rejoin = false;
        }
        if (rejoin) {
            o.lastRejoin = now;
            // XEP-0045 7.2.3 again: a client that sends a join while joined has lost its state; give it all.
            JoinRequest req;
            try {
                req = JoinRequest.parse(pr);
            } catch (MucError e) {
                req = new JoinRequest(true, null, History.Request.NONE);
            }
            boolean seesJids = seesJids(o);
            for (Occupant other : byNick.values()) if (other != o) out.shared(o.realJid, other.view(seesJids));
            broadcastCurrent(o, pr.getID(), out);
            sendHistoryAndSubject(o, req, out);
            return;
        }
        if (holdBack(o, pr.getID(), now)) return;
        broadcastCurrent(o, pr.getID(), out);
    }

    /**
     * The big-room presence rate: true when this update must wait (it is then sent, with the latest payload, once
     * the occupant's window allows); false when it goes out now.
     */
    private boolean holdBack(Occupant o, String id, long now) {
        ServiceSettings s = service.settings();
        if (byNick.size() < s.bigRoomSize() && !o.presencePending) {
            o.lastBroadcast = now;
            return false;
        }
        long wait = o.lastBroadcast + (long) (1e9 / s.presencePerSecond()) - now;
        if (wait <= 0 && !o.presencePending) {
            o.lastBroadcast = now;
            return false;
        }
        o.pendingId = id;
        service.presenceCoalesced();
        if (!o.presencePending) {
            o.presencePending = true;
            service.later(this, Math.max(0, wait), out -> sendHeldPresence(o, visible(out)));
        }
        return true;
    }

    private void sendHeldPresence(Occupant o, Outbox out) {
        if (!o.presencePending) return;
        o.presencePending = false;
        if (destroyed || byJid.get(o.realJid) != o) return;
        o.lastBroadcast = System.nanoTime();
        broadcastCurrent(o, o.pendingId, out);
    }

    private void changeNick(Occupant o, Presence pr, String newNick, Outbox out) {
        try {
            if (byNick.containsKey(newNick)) throw MucError.conflict("That nickname is in use by another occupant");
            String reserved = reservedNickOf(o.bareJid);
            if (reserved != null) throw MucError.notAcceptable("Your nickname in this room is reserved as " + reserved);
            if (reservedBy(newNick) != null) throw MucError.conflict("That nickname is reserved by another user");
        } catch (MucError e) {
            error(pr, e, out);
            return;
        }
        // XEP-0045 7.6: unavailable from the old nick with 303 and the new nick, then available from the new one.
        Change gone = new Change(true, o.payload, o.affiliation, o.role, newNick, null, null, null, 303);
        broadcast(o, gone, SELF, null, true, out);
        String old = o.nick;
        byNick.remove(old);
        o.nick = newNick;
        o.occupantJid = new JID(name, service.domain(), newNick, true);
        byNick.put(newNick, o);
        o.payload = Presences.withIdentity(Presences.payload(pr.getElement()), o.identity);
        o.changed();
        service.hooks().presence(this, o);
        broadcastCurrent(o, pr.getID(), out);
        if (config.logging()) roomLog.info("{}: {} is now known as {}", jidString, old, newNick);
    }

    private void leave(Occupant o, Presence pr, Outbox out) {
        remove(o, Change.leave(o, Presences.payload(pr.getElement())), pr.getID(), out);
        if (config.logging()) roomLog.info("{}: {} left", jidString, o.nick);
    }

    /** Takes an occupant out and tells everyone, itself included, with {@code change}'s codes. */
    private void remove(Occupant o, Change change, String id, Outbox out) {
        byNick.remove(o.nick);
        byJid.remove(o.realJid);
        occupantCount = byNick.size();
        broadcast(o, change, SELF, id, true, out);
        service.hooks().left(this, o);
        if (byNick.isEmpty()) emptied();
    }

    /**
     * The last occupant left: a temporary room goes (Jitsi relies on it), a persistent one stays, and so does one a
     * module keeps ({@link RoomModule#keepEmpty}).
     */
    private void emptied() {
        if (config.persistent() && !locked) return;
        if (!locked && service.hooks().keepEmpty(this)) return;
        destroyQuietly();
    }

    private void destroyQuietly() {
        if (destroyed) return;
        destroyed = true;
        service.removed(this);
        if (config.persistent()) service.store().delete(name);
        service.hooks().destroyed(this);
    }

    /** The occupant's current presence from the cache to all others, and to itself with 110. */
    private void broadcastCurrent(Occupant o, String id, Outbox out) {
        for (Occupant r : byNick.values()) {
            if (r != o) out.shared(r.realJid, o.view(seesJids(r)));
        }
        out.shared(o.realJid, new SharedStanza(Presences.build(o, Change.of(o), seesJids(o), SELF, id)));
    }

    /**
     * A presence about {@code o} built for this once: one stanza per view (with and without real JIDs) for the
     * others, and one for {@code o} itself when {@code toSelf}.
     */
    private void broadcast(Occupant o, Change change, int[] selfCodes, String id, boolean toSelf, Outbox out) {
        SharedStanza withJid = null;
        SharedStanza without = null;
        for (Occupant r : byNick.values()) {
            if (r == o) continue;
            if (seesJids(r)) {
                if (withJid == null) withJid = new SharedStanza(Presences.build(o, change, true, null, null));
                out.shared(r.realJid, withJid);
            } else {
                if (without == null) without = new SharedStanza(Presences.build(o, change, false, null, null));
                out.shared(r.realJid, without);
            }
        }
        if (toSelf) out.shared(o.realJid, new SharedStanza(Presences.build(o, change, seesJids(o), selfCodes, id)));
    }

    /** The nick after resourceprep, or null when it is empty, blank or not a valid resource. */
    private String prep(String nick) {
        if (nick == null || nick.isBlank()) return null;
        try {
            return new JID(name, service.domain(), nick).getResource();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static MucError malformedNick() {
        return new MucError(PacketError.Condition.jid_malformed, PacketError.Type.modify, "Not a valid nickname");
    }

    /** The occupant a stanza to {@code room/nick} means: by the nick as written, or after resourceprep. */
    private Occupant occupantByNick(String nick) {
        Occupant o = byNick.get(nick);
        if (o != null) return o;
        String prepped = prep(nick);
        return prepped == null || prepped.equals(nick) ? null : byNick.get(prepped);
    }

    private boolean seesJids(Occupant recipient) {
        return config.whois() == RoomConfig.Whois.ANYONE || recipient.role == Role.MODERATOR;
    }

    private static boolean kickable(Element stanza) {
        Element error = stanza.element("error");
        if (error == null) return true;
        for (Element c : error.elements()) {
            switch (c.getName()) {
                case "gone", "internal-server-error", "item-not-found", "jid-malformed", "recipient-unavailable",
                     "redirect", "remote-server-not-found", "remote-server-timeout", "service-unavailable" -> {
                    return true;
                }
                default -> { }
            }
        }
        return false;
    }

    // ---- messages ----

    private void messageToRoom(Message m, Outbox out) {
        Occupant o = byJid.get(m.getFrom());
        Message.Type type = m.getType();
        if (type == Message.Type.groupchat) {
            groupchat(m, o, out);
            return;
        }
        if (type == Message.Type.error) {
            // A recipient bounced what the room sent: its client is gone (Prosody does the same).
            if (o != null && kickable(m.getElement())) remove(o, Change.leave(o, null, 333), null, out);
            return;
        }
        Element x = m.getElement().element(QName.get("x", Ns.USER));
        try {
            if (locked && affiliationOf(m.getFrom()) != Affiliation.OWNER) throw MucError.itemNotFound("No such room");
            if (x != null && (x.element("invite") != null || x.element("decline") != null)) {
                if (x.element("invite") != null) invite(m, o, x, out);
                else decline(m, x, out);
                return;
            }
            Element form = m.getElement().element(QName.get("x", Ns.DATA));
            if (form != null && Ns.REQUEST.equals(Forms.single(Forms.values(form), "FORM_TYPE"))) {
                voiceRequest(m, o, form, out);
                return;
            }
            throw MucError.badRequest("Send groupchat messages to the room, private messages to an occupant");
        } catch (MucError e) {
            error(m, e, out);
        }
    }

    private void groupchat(Message m, Occupant o, Outbox out) {
        Element in = m.getElement();
        boolean hasBody = in.element("body") != null;
        boolean hasSubject = in.element("subject") != null;
        try {
            if (o == null) throw MucError.notAcceptable("Only occupants may send messages to the room");
            if (hasSubject && !hasBody) {
                if (!(o.role == Role.MODERATOR || (config.changeSubject() && o.role.atLeast(Role.PARTICIPANT)))) {
                    throw MucError.forbidden("You may not change the subject");
                }
            } else if (!o.role.atLeast(Role.PARTICIPANT)) {
                throw MucError.forbidden("Visitors may not speak in this room");
            }
        } catch (MucError e) {
            error(m, e, out);
            return;
        }
        if (service.hooks().message(this, o, m)) return;
        Element b = in.createCopy();
        b.addAttribute("to", null);
        b.addAttribute("from", o.occupantJid.toString());
        stripOccupantIds(b);
        Ns.add(b, "occupant-id", Ns.OCCUPANT_ID).addAttribute("id", o.occupantId);
        SharedStanza s = new SharedStanza(b);
        for (Occupant r : byNick.values()) out.shared(r.realJid, s);
        if (hasSubject && !hasBody) {
            subject = in.elementText("subject");
            subjectNick = o.nick;
            subjectStanza = null;
            if (config.persistent()) persist();
        } else if (hasBody) {
            history.add(b, service.now(), jidString);
        }
        if (config.logging() && hasBody) roomLog.info("{}: <{}> {}", jidString, o.nick, in.elementText("body"));
    }

    /** A module sets the subject as the room itself (no occupant's nick), telling everyone in. */
    void subjectByModule(String text, Outbox out) {
        subject = text == null ? "" : text;
        subjectNick = null;
        subjectStanza = null;
        if (config.persistent()) persist();
        SharedStanza s = subjectStanza();
        for (Occupant r : byNick.values()) out.shared(r.realJid, s);
    }

    private SharedStanza subjectStanza() {
        if (subjectStanza == null) {
            Element s = Ns.element("message", Ns.CLIENT);
            s.addAttribute("from", subjectNick == null ? jidString : jidString + "/" + subjectNick);
            s.addAttribute("type", "groupchat");
            Element subj = s.addElement("subject");
            if (!subject.isEmpty()) subj.setText(subject);
            subjectStanza = new SharedStanza(s);
        }
        return subjectStanza;
    }

    private static void stripOccupantIds(Element e) {
        for (Element c : new ArrayList<>(e.elements())) {
            if (Ns.OCCUPANT_ID.equals(c.getNamespaceURI())) e.remove(c);
        }
    }

    /** XEP-0045 7.5: a private message to one occupant, passed on from the sender's occupant JID. */
    private void messageToOccupant(Message m, String nick, Outbox out) {
        Occupant sender = byJid.get(m.getFrom());
        Occupant target = occupantByNick(nick);
        if (m.getType() == Message.Type.error) {
            if (sender == null) return;
            // An occupant whose client is gone bounces what the room sends it (Prosody kicks it the same way);
            // other errors answer a private message and go back to its sender.
            if (kickable(m.getElement())) remove(sender, Change.leave(sender, null, 333), null, out);
            else if (target != null) out.packet(forward(m, sender, target));
            return;
        }
        try {
            if (m.getType() == Message.Type.groupchat) throw MucError.badRequest("Groupchat messages go to the room's bare JID");
            if (sender == null) throw MucError.notAcceptable("Only occupants may send private messages");
            if (target == null) throw MucError.itemNotFound("No occupant with that nickname");
            if (!service.settings().privateMessages() || !config.allowPm().allows(sender.role)) {
                throw MucError.notAllowed("Private messages are not allowed in this room");
            }
        } catch (MucError e) {
            error(m, e, out);
            return;
        }
        Message copy = forward(m, sender, target);
        if (copy.getElement().element(QName.get("x", Ns.USER)) == null) Ns.add(copy.getElement(), "x", Ns.USER);
        out.packet(copy);
    }

    private static Message forward(Message m, Occupant sender, Occupant target) {
        Message copy = m.createCopy();
        copy.setFrom(sender.occupantJid);
        copy.setTo(target.realJid);
        stripOccupantIds(copy.getElement());
        Ns.add(copy.getElement(), "occupant-id", Ns.OCCUPANT_ID).addAttribute("id", sender.occupantId);
        return copy;
    }

    /** XEP-0045 7.8.2: mediated invitations, passed on from the room. */
    private void invite(Message m, Occupant o, Element x, Outbox out) throws MucError {
        if (o == null) throw MucError.notAcceptable("Only occupants may invite");
        Affiliation aff = o.affiliation;
        if (config.membersOnly() && !config.allowInvites() && !aff.atLeast(Affiliation.ADMIN)) {
            throw MucError.forbidden("Only admins may invite to this members-only room");
        }
        List<JID> invitees = new ArrayList<>();
        for (Element invite : x.elements("invite")) {
            try {
                String to = invite.attributeValue("to");
                if (to == null) throw MucError.badRequest("An invitation needs a 'to'");
                invitees.add(new JID(to));
            } catch (IllegalArgumentException e) {
                throw new MucError(PacketError.Condition.jid_malformed, PacketError.Type.modify, "Not a JID: " + invite.attributeValue("to"));
            }
        }
        int i = 0;
        for (Element invite : x.elements("invite")) {
            JID to = invitees.get(i++);
            if (config.membersOnly() && affiliationOf(to).compareTo(Affiliation.MEMBER) < 0 && affiliationOf(to) != Affiliation.OUTCAST) {
                // XEP-0045 7.8: inviting into a members-only room makes the invitee a member.
                setAffiliation(to.toBareJID(), Affiliation.MEMBER, null, null, o.nick, out);
            }
            Message msg = new Message();
            msg.getElement().setQName(QName.get("message", Ns.CLIENT));
            msg.setFrom(jid);
            msg.setTo(to);
            if (m.getID() != null) msg.setID(m.getID());
            Element ux = Ns.add(msg.getElement(), "x", Ns.USER);
            Element inv = ux.addElement("invite");
            inv.addAttribute("from", o.realJid.toString());
            String reason = invite.elementText("reason");
            if (reason != null) inv.addElement("reason").setText(reason);
            if (config.passwordProtected()) ux.addElement("password").setText(config.password());
            msg.setBody(o.realJid.toBareJID() + " invites you to the room " + jidString + (reason == null ? "" : ": " + reason));
            out.packet(msg);
        }
    }

    private void decline(Message m, Element x, Outbox out) throws MucError {
        Element decline = x.element("decline");
        String to = decline.attributeValue("to");
        JID inviter;
        try {
            if (to == null) throw MucError.badRequest("A decline needs a 'to'");
            inviter = new JID(to);
        } catch (IllegalArgumentException e) {
            throw new MucError(PacketError.Condition.jid_malformed, PacketError.Type.modify, "Not a JID: " + to);
        }
        Message msg = new Message();
        msg.getElement().setQName(QName.get("message", Ns.CLIENT));
        msg.setFrom(jid);
        msg.setTo(inviter);
        Element d = Ns.add(msg.getElement(), "x", Ns.USER).addElement("decline");
        d.addAttribute("from", m.getFrom().toBareJID());
        String reason = decline.elementText("reason");
        if (reason != null) d.addElement("reason").setText(reason);
        out.packet(msg);
    }

    /** XEP-0045 7.13 and 8.6: a visitor asks for voice; a moderator's approval grants it. */
    private void voiceRequest(Message m, Occupant o, Element form, Outbox out) throws MucError {
        if (o == null) throw MucError.notAcceptable("Only occupants may request voice");
        Map<String, List<String>> values = Forms.values(form);
        String allow = Forms.single(values, "muc#request_allow");
        if (allow != null) {
            if (o.role != Role.MODERATOR) throw MucError.forbidden("Only moderators approve voice requests");
            if (!Boolean.TRUE.equals(Forms.bool(allow))) return;
            Occupant target = byNick.get(Forms.single(values, "muc#roomnick"));
            if (target == null || target.role != Role.VISITOR) return;
            target.role = Role.PARTICIPANT;
            target.changed();
            broadcastCurrent(target, null, out);
            return;
        }
        if (o.role != Role.VISITOR) return;
        for (Occupant mod : byNick.values()) {
            if (mod.role != Role.MODERATOR) continue;
            Message msg = new Message();
            msg.getElement().setQName(QName.get("message", Ns.CLIENT));
            msg.setFrom(jid);
            msg.setTo(mod.realJid);
            Element x = Forms.form("form", Ns.REQUEST);
            x.addElement("title").setText("Voice request");
            Forms.field(x, "muc#role", "list-single", "Requested role", "participant");
            Forms.field(x, "muc#jid", "jid-single", "User ID", o.realJid.toString());
            Forms.field(x, "muc#roomnick", "text-single", "Room nickname", o.nick);
            Forms.bool(x, "muc#request_allow", "Grant voice to this person?", false);
            msg.getElement().add(x);
            out.packet(msg);
        }
    }

    // ---- IQs ----

    private void iqToRoom(IQ iq, Outbox out) {
        if (!iq.isRequest()) return;
        Element q = iq.getChildElement();
        String ns = q == null ? "" : q.getNamespaceURI();
        try {
            if (locked && affiliationOf(iq.getFrom()) != Affiliation.OWNER) throw MucError.itemNotFound("No such room");
            switch (ns) {
                case Ns.DISCO_INFO -> {
                    if (iq.getType() != IQ.Type.get) throw MucError.badRequest(null);
                    out.packet(discoInfo(iq, q.attributeValue("node")));
                }
                case Ns.DISCO_ITEMS -> {
                    if (iq.getType() != IQ.Type.get) throw MucError.badRequest(null);
                    out.packet(discoItems(iq));
                }
                case Ns.OWNER -> {
                    if (iq.getType() == IQ.Type.get) ownerGet(iq, out);
                    else ownerSet(iq, q, out);
                }
                case Ns.ADMIN -> {
                    if (iq.getType() == IQ.Type.get) adminGet(iq, q, out);
                    else adminSet(iq, q, out);
                }
                case Ns.PING -> out.packet(Ns.result(iq));
                default -> throw new MucError(PacketError.Condition.service_unavailable, PacketError.Type.cancel, null);
            }
        } catch (MucError e) {
            error(iq, e, out);
        }
    }

    private IQ discoInfo(IQ iq, String node) throws MucError {
        IQ result = Ns.result(iq);
        Element q = result.setChildElement("query", Ns.DISCO_INFO);
        if (RESERVED_NICK_NODE.equals(node)) {
            // XEP-0045 7.12: the nickname reserved for the asker, if any.
            q.addAttribute("node", node);
            String nick = reservedNickOf(iq.getFrom().toBareJID());
            if (nick != null) {
                Element id = q.addElement("identity");
                id.addAttribute("category", "conference");
                id.addAttribute("type", "text");
                id.addAttribute("name", nick);
            }
            return result;
        }
        if (node != null) throw MucError.itemNotFound("No such node");
        RoomConfig c = config;
        Element identity = q.addElement("identity");
        identity.addAttribute("category", "conference");
        identity.addAttribute("type", "text");
        identity.addAttribute("name", c.name().isEmpty() ? name : c.name());
        for (String f : new String[] {Ns.MUC, Ns.STABLE_ID, Ns.SELF_PING, Ns.OCCUPANT_ID, Ns.DISCO_INFO, Ns.DISCO_ITEMS,
                Ns.PING, c.publicRoom() ? "muc_public" : "muc_hidden",
                c.persistent() ? "muc_persistent" : "muc_temporary",
                c.membersOnly() ? "muc_membersonly" : "muc_open",
                c.moderated() ? "muc_moderated" : "muc_unmoderated",
                c.nonAnonymous() ? "muc_nonanonymous" : "muc_semianonymous",
                c.passwordProtected() ? "muc_passwordprotected" : "muc_unsecured"}) {
            q.addElement("feature").addAttribute("var", f);
        }
        Element x = Forms.form("result", Ns.ROOMINFO);
        Forms.field(x, "muc#roominfo_description", "text-single", "Description", c.description());
        Forms.field(x, "muc#roominfo_subject", "text-single", "Subject", subject);
        Forms.field(x, "muc#roominfo_occupants", "text-single", "Number of occupants", Integer.toString(byNick.size()));
        Forms.field(x, "muc#roominfo_changesubject", "boolean", "Occupants may change the subject", c.changeSubject() ? "1" : "0");
        Forms.field(x, "muc#roomconfig_roomname", "text-single", "Name", c.name());
        Forms.field(x, "muc#maxhistoryfetch", "text-single", "History messages kept", Integer.toString(c.historyLength()));
        Forms.field(x, ConfigForm.MEETING_ID, "text-single", "The meeting unique id.", meetingId);
        service.hooks().roomInfo(this, x);
        q.add(x);
        return result;
    }

    private IQ discoItems(IQ iq) {
        IQ result = Ns.result(iq);
        Element q = result.setChildElement("query", Ns.DISCO_ITEMS);
        // The occupant list is visible to occupants, and to anyone in public non-anonymous rooms.
        RoomConfig c = config;
        if (byJid.containsKey(iq.getFrom()) || (c.publicRoom() && c.nonAnonymous() && !c.membersOnly())) {
            for (Occupant o : byNick.values()) q.addElement("item").addAttribute("jid", o.occupantJid.toString());
        }
        return result;
    }

    private void ownerGet(IQ iq, Outbox out) throws MucError {
        if (affiliationOf(iq.getFrom()) != Affiliation.OWNER) throw MucError.forbidden("Only owners may configure the room");
        IQ result = Ns.result(iq);
        Element q = result.setChildElement("query", Ns.OWNER);
        Element form = ConfigForm.build(config, listed(Affiliation.OWNER), listed(Affiliation.ADMIN), meetingId,
                service.settings().maxHistory());
        service.hooks().configForm(this, form);
        q.add(form);
        out.packet(result);
    }

    private void ownerSet(IQ iq, Element q, Outbox out) throws MucError {
        if (affiliationOf(iq.getFrom()) != Affiliation.OWNER) throw MucError.forbidden("Only owners may configure or destroy the room");
        Element destroy = q.element("destroy");
        Element form = q.element(QName.get("x", Ns.DATA));
        if (destroy != null) {
            String alt = destroy.attributeValue("jid");
            if (alt != null) {
                try {
                    alt = new JID(alt).toString();
                } catch (IllegalArgumentException e) {
                    throw new MucError(PacketError.Condition.jid_malformed, PacketError.Type.modify, "Not a JID: " + alt);
                }
            }
            destroy(alt, destroy.elementText("reason"), destroy.elementText("password"), out);
            out.packet(Ns.result(iq));
            return;
        }
        if (form == null) throw MucError.badRequest("Expected a data form or <destroy/>");
        String type = form.attributeValue("type");
        if ("cancel".equals(type)) {
            // XEP-0045 10.1.3: cancelling the initial configuration of a locked room destroys it.
            out.packet(Ns.result(iq));
            if (locked) {
                for (Occupant o : List.copyOf(byNick.values())) remove(o, Change.leave(o, null), null, out);
                destroyQuietly();
            }
            return;
        }
        if (!"submit".equals(type)) throw MucError.badRequest("Expected a form of type submit or cancel");
        ConfigForm.Submitted s = ConfigForm.parse(form, config, service.settings().maxHistory());
        Map<String, Affiliation> changes = new LinkedHashMap<>();
        if (s.owners() != null) listChanges(Affiliation.OWNER, s.owners(), changes);
        if (s.admins() != null) listChanges(Affiliation.ADMIN, s.admins(), changes);
        if (!changes.isEmpty()) checkOwnersRemain(changes);
        applyConfig(s.config(), out);
        for (var e : changes.entrySet()) {
            Occupant actor = byJid.get(iq.getFrom());
            setAffiliation(e.getKey(), e.getValue(), null, null, actor == null ? null : actor.nick, out);
        }
        if (!changes.isEmpty() && config.persistent()) persist();
        out.packet(Ns.result(iq));
        if (byNick.isEmpty() && !config.persistent()) destroyQuietly();
    }

    /** The affiliation changes that make {@code wanted} the exact list of {@code level}. */
    private void listChanges(Affiliation level, List<String> wanted, Map<String, Affiliation> changes) throws MucError {
        for (String j : wanted) {
            if (service.isAdmin(new JID(j))) continue;
            AffiliationEntry current = affiliations.get(j);
            if (current == null || current.affiliation() != level) changes.putIfAbsent(j, level);
        }
        for (var e : affiliations.entrySet()) {
            if (e.getValue().affiliation() == level && !wanted.contains(e.getKey())) changes.putIfAbsent(e.getKey(), Affiliation.NONE);
        }
    }

    private void checkOwnersRemain(Map<String, Affiliation> changes) throws MucError {
        boolean hadOwners = false;
        boolean owners = false;
        for (var e : affiliations.entrySet()) {
            if (e.getValue().affiliation() != Affiliation.OWNER) continue;
            hadOwners = true;
            Affiliation after = changes.get(e.getKey());
            if (after == null || after == Affiliation.OWNER) owners = true;
        }
        for (Affiliation a : changes.values()) if (a == Affiliation.OWNER) owners = true;
        if (hadOwners && !owners) throw MucError.conflict("A room needs at least one owner");
    }

    void applyConfig(RoomConfig next, Outbox out) {
        RoomConfig old = config;
        config = next;
        boolean wasLocked = locked;
        locked = false;
        history.limit(next.historyLength());
        if (!old.membersOnly() && next.membersOnly()) {
            for (Occupant o : List.copyOf(byNick.values())) {
                if (!o.affiliation.atLeast(Affiliation.MEMBER)) remove(o, Change.leave(o, null, 322), null, out);
            }
        }
        if (old.whois() != next.whois() && next.whois() == RoomConfig.Whois.ANYONE) {
            // Everyone may see real JIDs now: those who could not get the presences that show them.
            for (Occupant r : byNick.values()) {
                if (r.role == Role.MODERATOR) continue;
                for (Occupant o : byNick.values()) if (o != r) out.shared(r.realJid, o.view(true));
            }
        }
        if (!old.equals(next) && !wasLocked && !byNick.isEmpty()) {
            // XEP-0045 10.2.1: tell the occupants what changed, as far as it concerns their privacy.
            Element m = Ns.element("message", Ns.CLIENT);
            m.addAttribute("from", jidString);
            m.addAttribute("type", "groupchat");
            Element x = Ns.add(m, "x", Ns.USER);
            Presences.status(x, 104);
            if (old.whois() != next.whois()) Presences.status(x, next.nonAnonymous() ? 172 : 173);
            if (old.logging() != next.logging()) Presences.status(x, next.logging() ? 170 : 171);
            SharedStanza s = new SharedStanza(m);
            for (Occupant r : byNick.values()) out.shared(r.realJid, s);
        }
        if (next.persistent()) persist();
        else if (old.persistent()) service.store().delete(name);
        service.hooks().configured(this);
    }

    /** XEP-0045 10.9: everyone out, with the alternate venue; the room is gone. */
    void destroy(String alternate, String reason, String password, Outbox out) {
        Element d = Ns.element("destroy", Ns.USER);
        if (alternate != null) d.addAttribute("jid", alternate);
        if (reason != null) d.addElement("reason").setText(reason);
        if (password != null) d.addElement("password").setText(password);
        for (Occupant o : byNick.values()) {
            Change c = new Change(true, null, Affiliation.NONE, Role.NONE, null, null, null, d);
            out.shared(o.realJid, new SharedStanza(Presences.build(o, c, seesJids(o), SELF, null)));
        }
        clearOccupants();
        boolean persistent = config.persistent();
        destroyed = true;
        service.removed(this);
        if (persistent) service.store().delete(name);
        service.hooks().destroyed(this);
        log.debug("{} destroyed{}", jidString, alternate == null ? "" : ", moved to " + alternate);
    }

    /** The service is stopping: every occupant hears so (status 332). */
    void shutdown(Outbox out) {
        for (Occupant o : byNick.values()) {
            Change c = Change.leave(o, null, 332);
            out.shared(o.realJid, new SharedStanza(Presences.build(o, c, seesJids(o), SELF, null)));
        }
        clearOccupants();
    }

    private void clearOccupants() {
        byNick.clear();
        byJid.clear();
        occupantCount = 0;
    }

    private void adminGet(IQ iq, Element q, Outbox out) throws MucError {
        Element item = q.element("item");
        if (item == null) throw MucError.badRequest("Expected an <item/> naming a role or an affiliation");
        IQ result = Ns.result(iq);
        Element rq = result.setChildElement("query", Ns.ADMIN);
        Affiliation wantedAff = Affiliation.parse(item.attributeValue("affiliation"));
        Role wantedRole = Role.parse(item.attributeValue("role"));
        if (wantedAff != null && wantedAff != Affiliation.NONE) {
            if (!affiliationOf(iq.getFrom()).atLeast(Affiliation.ADMIN)) throw MucError.forbidden("Only admins and owners may read affiliation lists");
            for (var e : new TreeMap<>(affiliations).entrySet()) {
                if (e.getValue().affiliation() != wantedAff) continue;
                Element i = rq.addElement("item");
                i.addAttribute("affiliation", wantedAff.xml());
                i.addAttribute("jid", e.getKey());
                if (e.getValue().nick() != null) i.addAttribute("nick", e.getValue().nick());
                if (e.getValue().reason() != null) i.addElement("reason").setText(e.getValue().reason());
            }
        } else if (wantedRole != null && wantedRole != Role.NONE) {
            Occupant actor = byJid.get(iq.getFrom());
            if (actor == null || actor.role != Role.MODERATOR) throw MucError.forbidden("Only moderators may read role lists");
            for (Occupant o : byNick.values()) {
                if (o.role != wantedRole) continue;
                Element i = rq.addElement("item");
                i.addAttribute("role", o.role.xml());
                i.addAttribute("affiliation", o.affiliation.xml());
                i.addAttribute("nick", o.nick);
                i.addAttribute("jid", o.realJid.toString());
            }
        } else {
            throw MucError.badRequest("Expected a role or an affiliation");
        }
        out.packet(result);
    }

    /** XEP-0045 sections 8 to 10: role and affiliation changes, all checked before any is applied. */
    private void adminSet(IQ iq, Element q, Outbox out) throws MucError {
        List<Element> items = q.elements("item");
        if (items.isEmpty()) throw MucError.badRequest("Expected at least one <item/>");
        Occupant actor = byJid.get(iq.getFrom());
        Affiliation actorAff = affiliationOf(iq.getFrom());
        record RoleChange(Occupant target, Role role, String reason) {}
        record AffChange(String jid, Affiliation affiliation, String reason, String nick) {}
        List<RoleChange> roleChanges = new ArrayList<>();
        List<AffChange> affChanges = new ArrayList<>();
        Map<String, Affiliation> planned = new LinkedHashMap<>();
        for (Element item : items) {
            String roleValue = item.attributeValue("role");
            String affValue = item.attributeValue("affiliation");
            String reason = item.elementText("reason");
            if ((roleValue == null) == (affValue == null)) throw MucError.badRequest("An item changes either a role or an affiliation");
            if (roleValue != null) {
                Role role = Role.parse(roleValue);
                if (role == null) throw MucError.badRequest("Unknown role " + roleValue);
                String nick = item.attributeValue("nick");
                if (nick == null) throw MucError.badRequest("A role change names the occupant by nick");
                Occupant target = occupantByNick(nick);
                if (target == null) throw MucError.itemNotFound("No occupant with that nickname");
                checkRoleChange(actor, target, role);
                roleChanges.add(new RoleChange(target, role, reason));
            } else {
                Affiliation aff = Affiliation.parse(affValue);
                if (aff == null) throw MucError.badRequest("Unknown affiliation " + affValue);
                String target = item.attributeValue("jid");
                if (target != null) {
                    try {
                        JID j = new JID(target);
                        target = j.getNode() == null ? j.getDomain() : j.toBareJID();
                    } catch (IllegalArgumentException e) {
                        throw new MucError(PacketError.Condition.jid_malformed, PacketError.Type.modify, "Not a JID: " + target);
                    }
                } else if (item.attributeValue("nick") != null) {
                    Occupant o = occupantByNick(item.attributeValue("nick"));
                    if (o == null) throw MucError.itemNotFound("No occupant with that nickname");
                    target = o.bareJid;
                } else {
                    throw MucError.badRequest("An affiliation change names a jid");
                }
                checkAffiliationChange(actorAff, target, aff);
                // With a jid, a nick reserves that nickname for the user (XEP-0045 9.3); alone, it names the occupant.
                String reserve = item.attributeValue("jid") != null ? item.attributeValue("nick") : null;
                if (reserve != null) {
                    reserve = prep(reserve);
                    if (reserve == null) throw malformedNick();
                    String holder = reservedBy(reserve);
                    if (holder != null && !holder.equals(target)) throw MucError.conflict("That nickname is reserved by another user");
                }
                planned.put(target, aff);
                affChanges.add(new AffChange(target, aff, reason, reserve));
            }
        }
        if (!planned.isEmpty()) checkOwnersRemain(planned);
        String actorNick = actor == null ? null : actor.nick;
        for (AffChange c : affChanges) setAffiliation(c.jid(), c.affiliation(), c.reason(), c.nick(), actorNick, out);
        for (RoleChange c : roleChanges) {
            if (byNick.get(c.target().nick) == c.target()) setRole(c.target(), c.role(), c.reason(), actorNick, out);
        }
        if (!affChanges.isEmpty() && config.persistent()) persist();
        out.packet(Ns.result(iq));
    }

    /** Prosody's rules, which follow XEP-0045 8.x: moderators manage participants, owners manage everyone. */
    private static void checkRoleChange(Occupant actor, Occupant target, Role role) throws MucError {
        if (actor == null || actor.role != Role.MODERATOR) throw MucError.forbidden("Only moderators may change roles");
        Affiliation ta = target.affiliation;
        Affiliation aa = actor.affiliation;
        if (ta.atLeast(Affiliation.ADMIN)) {
            if (aa != Affiliation.OWNER) throw MucError.notAllowed("Admins and owners keep their role");
            if (role != Role.NONE && role != Role.MODERATOR) throw MucError.notAllowed("Admins and owners are moderators");
        } else if (!aa.atLeast(Affiliation.ADMIN) && (target.role == Role.MODERATOR || role == Role.MODERATOR)) {
            throw MucError.notAllowed("Only admins and owners grant or revoke moderation");
        }
    }

    private void checkAffiliationChange(Affiliation actorAff, String target, Affiliation wanted) throws MucError {
        if (!actorAff.atLeast(Affiliation.ADMIN)) throw MucError.forbidden("Only admins and owners may change affiliations");
        if (target.indexOf('@') < 0 ? service.settings().admins().matches(new JID(null, target, null, true))
                : service.isAdmin(new JID(target))) {
            throw MucError.notAllowed("That user administers the whole service");
        }
        AffiliationEntry current = affiliations.get(target);
        Affiliation now = current == null ? Affiliation.NONE : current.affiliation();
        if (actorAff == Affiliation.ADMIN && (now.atLeast(Affiliation.ADMIN) || wanted.atLeast(Affiliation.ADMIN))) {
            throw MucError.notAllowed("Only owners may change admins and owners");
        }
    }

    /** Records an affiliation and applies it to whoever holds it in the room (XEP-0045 9 and 10). */
    private void setAffiliation(String target, Affiliation aff, String reason, String reserveNick, String actorNick, Outbox out) {
        AffiliationEntry old = affiliations.get(target);
        Affiliation previous = old == null ? Affiliation.NONE : old.affiliation();
        if (aff == Affiliation.NONE) {
            affiliations.remove(target);
        } else {
            String nick = reserveNick != null ? reserveNick : old == null ? null : old.nick();
            affiliations.put(target, new AffiliationEntry(aff, nick, reason));
        }
        for (Occupant o : List.copyOf(byNick.values())) {
            if (!o.bareJid.equals(target) && !o.realJid.getDomain().equals(target)) continue;
            Affiliation effective = affiliationOf(o.realJid);
            if (effective == Affiliation.OUTCAST) {
                remove(o, new Change(true, null, Affiliation.OUTCAST, Role.NONE, null, actorNick, reason, null, 301), null, out);
            } else if (config.membersOnly() && !effective.atLeast(Affiliation.MEMBER)) {
                remove(o, new Change(true, null, effective, Role.NONE, null, actorNick, reason, null, 321), null, out);
            } else if (effective != o.affiliation) {
                Affiliation before = o.affiliation;
                o.affiliation = effective;
                Role keep = before.atLeast(Affiliation.ADMIN) ? Role.NONE : o.role;
                Role role = defaultRole(effective).compareTo(keep) >= 0 ? defaultRole(effective) : keep;
                changeRole(o, role, out);
            }
        }
        if (previous != aff) service.hooks().affiliationChanged(this, target, previous, aff);
    }

    /** A module's affiliation change: as an owner's, without an actor. */
    void setAffiliationByModule(JID user, Affiliation aff, Outbox out) {
        setAffiliation(user.toBareJID(), aff, null, null, null, out);
        if (config.persistent()) persist();
    }

    private void setRole(Occupant o, Role role, String reason, String actorNick, Outbox out) {
        if (role == Role.NONE) {
            // XEP-0045 8.2: kicked, status 307, with who did it and why.
            remove(o, new Change(true, null, o.affiliation, Role.NONE, null, actorNick, reason, null, 307), null, out);
            return;
        }
        changeRole(o, role, out);
    }

    private void changeRole(Occupant o, Role role, Outbox out) {
        Role previous = o.role;
        boolean becameModerator = role == Role.MODERATOR && o.role != Role.MODERATOR;
        o.role = role;
        o.changed();
        broadcastCurrent(o, null, out);
        if (becameModerator && config.whois() == RoomConfig.Whois.MODERATORS) {
            // A new moderator may see real JIDs now.
            for (Occupant other : byNick.values()) if (other != o) out.shared(o.realJid, other.view(true));
        }
        if (previous != role) service.hooks().roleChanged(this, o, previous);
    }

    /** XEP-0045 private IQs: between occupants, with the requester's id sealed so only its answer finds the way back. */
    private void iqToOccupant(IQ iq, String nick, Outbox out) {
        Occupant sender = byJid.get(iq.getFrom());
        Occupant target = occupantByNick(nick);
        if (iq.isRequest()) {
            try {
                if (sender == null) throw new MucError(PacketError.Condition.not_acceptable, PacketError.Type.cancel, "You are not in this room");
                if (target == null) throw MucError.itemNotFound("No occupant with that nickname");
            } catch (MucError e) {
                error(iq, e, out);
                return;
            }
            Element child = iq.getChildElement();
            if (target == sender && child != null && Ns.PING.equals(child.getNamespaceURI()) && iq.getType() == IQ.Type.get) {
                // XEP-0410: a self-ping of a joined occupant is answered by the room.
                out.packet(Ns.result(iq));
                return;
            }
            IQ copy = iq.createCopy();
            copy.setFrom(sender.occupantJid);
            boolean vcard = child != null && "vcard-temp".equals(child.getNamespaceURI());
            copy.setTo(vcard ? target.realJid.asBareJID() : target.realJid);
            copy.setID(sealId(iq.getID() == null ? "" : iq.getID(), target.nick, sender.realJid, target.realJid));
            out.packet(copy);
            return;
        }
        // An answer from the target's real JID (its bare JID for vCards) to the requester's occupant JID.
        Occupant responder = sender;
        if (responder == null && iq.getFrom() != null && iq.getFrom().getResource() == null) {
            for (Occupant o : byNick.values()) if (o.bareJid.equals(iq.getFrom().toBareJID())) responder = o;
        }
        Occupant requester = target;
        if (requester == null || iq.getID() == null || iq.getFrom() == null) return;
        // A target that left after the request (or whose session closed, so the server bounced it) still answers
        // from the occupant JID the request went to: the requester (a focus sending session-initiate, say) learns
        // now instead of at its timeout. The sealed id proves the answer comes from the JID the request was sent to.
        Unsealed original = unsealId(iq.getID(), requester.realJid, responder == null ? iq.getFrom() : responder.realJid);
        if (original == null) return;
        IQ copy = iq.createCopy();
        copy.setFrom(responder != null ? responder.occupantJid : new JID(name, service.domain(), original.nick(), true));
        copy.setTo(requester.realJid);
        copy.setID(original.id());
        out.packet(copy);
    }

    /** The requester's id and the nick it sent to, out of a proxied IQ's sealed id. */
    private record Unsealed(String id, String nick) {}

    private String sealId(String id, String nick, JID requester, JID target) {
        return Secrets.encode(id.getBytes(StandardCharsets.UTF_8)) + "." + Secrets.encode(nick.getBytes(StandardCharsets.UTF_8))
                + "." + Secrets.mac(secret, 9, "iq", id, nick, requester.toString(), target.toString());
    }

    private Unsealed unsealId(String sealed, JID requester, JID responder) {
        String[] parts = sealed.split("\\.", -1);
        if (parts.length != 3) return null;
        byte[] rawId = Secrets.decode(parts[0]);
        byte[] rawNick = Secrets.decode(parts[1]);
        if (rawId == null || rawNick == null || rawNick.length == 0) return null;
        String id = new String(rawId, StandardCharsets.UTF_8);
        String nick = new String(rawNick, StandardCharsets.UTF_8);
        if (!parts[2].equals(Secrets.mac(secret, 9, "iq", id, nick, requester.toString(), responder.toString()))) return null;
        return new Unsealed(id, nick);
    }

    // ---- affiliations ----

    /** Service admins own every room; otherwise the entry for the bare JID, then for its domain. */
    Affiliation affiliationOf(JID user) {
        if (user == null) return Affiliation.NONE;
        if (service.isAdmin(user)) return Affiliation.OWNER;
        AffiliationEntry e = affiliations.get(user.toBareJID());
        if (e == null) e = affiliations.get(user.getDomain());
        return e == null ? Affiliation.NONE : e.affiliation();
    }

    private Role defaultRole(Affiliation a) {
        return switch (a) {
            case OWNER, ADMIN -> Role.MODERATOR;
            case MEMBER -> Role.PARTICIPANT;
            case NONE -> config.moderated() ? Role.VISITOR : Role.PARTICIPANT;
            case OUTCAST -> Role.NONE;
        };
    }

    private String reservedNickOf(String bare) {
        AffiliationEntry e = affiliations.get(bare);
        return e == null ? null : e.nick();
    }

    private String reservedBy(String nick) {
        for (var e : affiliations.entrySet()) if (nick.equals(e.getValue().nick())) return e.getKey();
        return null;
    }

    private List<String> listed(Affiliation a) {
        List<String> out = new ArrayList<>();
        for (var e : affiliations.entrySet()) if (e.getValue().affiliation() == a) out.add(e.getKey());
        out.sort(null);
        return out;
    }

    private String occupantId(String bareJid) {
        return Secrets.mac(secret, 18, "occupant-id", bareJid);
    }

    // ---- persistence and the query API ----

    void restoreAffiliation(String jid, Affiliation a, String nick, String reason) {
        if (a != Affiliation.NONE) affiliations.put(jid, new AffiliationEntry(a, nick, reason));
    }

    void restoreSubject(String text, String nick) {
        subject = text == null ? "" : text;
        subjectNick = nick;
        subjectStanza = null;
    }

    void persist() {
        service.store().save(this, stored());
    }

    /** The room's configuration, subject and affiliations in their stored form (persistence, hand-over). */
    StoredRoom stored() {
        return RoomStore.snapshot(this, affiliations, subject, subjectNick);
    }

    /**
     * An occupant of a handed-over room whose session did not come with it (it ended as the node stopped, its leave
     * still on the way): it leaves now, and the others are told, as they would have been.
     */
    void removeGone(Occupant o, Outbox out) {
        if (byJid.get(o.realJid) == o) remove(o, Change.leave(o, null), null, out);
    }

    /** Puts an occupant of a handed-over room back, as it was; no one is told (nothing changed for anyone). */
    void restoreOccupant(Occupant o) {
        byNick.put(o.nick, o);
        byJid.put(o.realJid, o);
        occupantCount = byNick.size();
    }

    RoomInfo info() {
        List<RoomInfo.Participant> participants = new ArrayList<>(byNick.size());
        for (Occupant o : byNick.values()) {
            Element p = o.payload;
            Element nickEl = p == null ? null : p.element(QName.get("nick", Ns.NICK));
            Element email = p == null ? null : p.element(QName.get("email", Ns.CLIENT));
            participants.add(new RoomInfo.Participant(o.occupantJid.toString(), o.nick,
                    nickEl == null ? null : nickEl.getText(), email == null ? null : email.getText(),
                    o.realJid.toString(), o.role.xml(), o.affiliation.xml()));
        }
        RoomConfig c = config;
        return new RoomInfo(jidString, c.name(), meetingId, created, c.persistent(), locked, participants);
    }

    Collection<Occupant> occupants() { return byNick.values(); }

    History history() { return history; }

    @Override public String toString() { return "Room[" + jidString + ", " + occupantCount + " occupants]"; }
}
