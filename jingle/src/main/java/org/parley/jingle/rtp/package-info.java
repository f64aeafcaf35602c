/** XEP-0167 RTP descriptions with XEP-0293 feedback, XEP-0294 header extensions and XEP-0339 sources. */
package org.parley.jingle.rtp;
