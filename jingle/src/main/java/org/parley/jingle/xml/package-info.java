/** dom4j reading and writing shared by the model: named parse errors, namespaces, opaque extension elements. */
package org.parley.jingle.xml;
