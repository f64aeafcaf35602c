package org.parley.jingle;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.dom4j.Element;
import org.parley.jingle.xml.Ns;
import org.parley.jingle.xml.OpaqueElement;
import org.parley.jingle.xml.Xml;

/**
 * {@code <reason><success/><text>moving</text></reason>} of a {@code session-terminate} (XEP-0166). Jicofo moves a
 * participant with reason {@code success} and text {@code moving}; lib-jitsi-meet ends with {@code success} or
 * {@code general-error}.
 *
 * @param condition the condition element's name, as sent; see {@link #reasonCondition()}
 * @param alternativeSid the {@code <sid>} inside {@code <alternative-session>}, or null
 * @param text      the optional human-readable text
 * @param extensions other children (application-specific conditions)
 */
public record Reason(String condition, String alternativeSid, String text, List<OpaqueElement> extensions) {
    public static final String ELEMENT = "reason";

    public Reason {
        Objects.requireNonNull(condition, "condition");
        extensions = List.copyOf(extensions);
    }

    public Reason(ReasonCondition condition, String text) {
        this(condition.wire(), null, text, List.of());
    }

    public ReasonCondition reasonCondition() {
        return ReasonCondition.of(condition);
    }

    public static Reason parse(Element e) {
        Xml.expect(e, ELEMENT, Ns.JINGLE);
        String condition = null;
        String alternativeSid = null;
        String text = null;
        List<OpaqueElement> extensions = new ArrayList<>();
        for (Element c : Xml.children(e)) {
            boolean jingle = c.getNamespaceURI().equals(Ns.JINGLE);
            if (jingle && c.getName().equals("text") && text == null) {
                text = c.getText();
            } else if (jingle && condition == null) {
                condition = c.getName();
                Element sid = Xml.child(c, "sid", Ns.JINGLE);
                alternativeSid = sid == null ? null : sid.getText();
            } else {
                extensions.add(OpaqueElement.of(c));
            }
        }
        if (condition == null) {
            throw Xml.error(e, null, "reason has no condition element");
        }
        return new Reason(condition, alternativeSid, text, extensions);
    }

    public void appendTo(Element parent) {
        Element e = Xml.add(parent, ELEMENT, Ns.JINGLE);
        Element c = Xml.add(e, condition, Ns.JINGLE);
        if (alternativeSid != null) {
            Xml.setText(Xml.add(c, "sid", Ns.JINGLE), alternativeSid);
        }
        if (text != null) {
            Xml.setText(Xml.add(e, "text", Ns.JINGLE), text);
        }
        for (OpaqueElement x : extensions) {
            x.appendTo(e);
        }
    }
}
