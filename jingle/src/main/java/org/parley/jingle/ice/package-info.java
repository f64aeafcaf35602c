/** XEP-0176 ICE-UDP transports with XEP-0320 DTLS fingerprints, XEP-0343 sctpmap and Jitsi's web-socket. */
package org.parley.jingle.ice;
