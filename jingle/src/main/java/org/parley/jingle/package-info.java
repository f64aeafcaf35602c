/**
 * Jingle (XEP-0166) as Jicofo and lib-jitsi-meet use it: the {@link org.parley.jingle.Jingle} element with its
 * contents, BUNDLE group, Jitsi's bridge-session, reason and JSON-encoded sources. Sub-packages hold the RTP
 * description ({@code rtp}), the ICE-UDP transport ({@code ice}), COLIBRI2 ({@code colibri2}), the focus's conference
 * IQ and the bridges' stats ({@code focus}), and the XML plumbing ({@code xml}).
 */
package org.parley.jingle;
