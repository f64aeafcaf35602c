/** The conference request IQ clients send the focus, and the COLIBRI stats bridges put in their brewery presence. */
package org.parley.jingle.focus;
