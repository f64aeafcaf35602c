/**
 * COLIBRI2 ({@code jitsi:colibri2}): the focus's {@code conference-modify} requests to jitsi-videobridge, the
 * bridge's {@code conference-modified} answers, and the error extensions.
 */
package org.parley.jingle.colibri2;
