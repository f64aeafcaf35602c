package org.parley.focus.conference;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.dom4j.Element;
import org.parley.focus.xmpp.Stanzas;

/**
 * What clients can do, learnt as XEP-0115 says: a presence carries {@code <c node ver hash>}, the focus asks the
 * client for disco#info once per distinct {@code ver}, and keeps verified answers (the SHA-1 of the answer must equal
 * {@code ver}) for every client that announces the same. Thread-safe; bounded.
 */
final class Capabilities {
    private static final int MAX = 4096;
    private final Map<String, Set<String>> verified = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Set<String>> eldest) {
            return size() > MAX;
        }
    });

    /** The {@code ver} of a presence's caps element, with its node: {@code node#ver}; null without caps. */
    static String capsKey(Element presence) {
        Element c = Stanzas.child(presence, "c", Stanzas.CAPS);
        if (c == null || c.attributeValue("ver") == null) return null;
        return c.attributeValue("node", "") + "#" + c.attributeValue("ver");
    }

    /** The features announced directly in a presence ({@code <features><feature var/></features>}), or empty. */
    static Set<String> presenceFeatures(Element presence) {
        Set<String> out = new TreeSet<>();
        for (Element f : presence.elements("features")) {
            for (Element x : f.elements("feature")) {
                String v = x.attributeValue("var");
                if (v != null) out.add(v);
            }
        }
        return out;
    }

    Set<String> cached(String key) {
        return key == null ? null : verified.get(key);
    }

    /** Reads a disco#info answer; caches it under {@code key} when its hash matches the announced ver. */
    Set<String> learn(String key, Element query) {
        Set<String> features = new TreeSet<>();
        if (query == null) return features;
        for (Element f : query.elements("feature")) {
            String v = f.attributeValue("var");
            if (v != null) features.add(v);
        }
        if (key != null) {
            String ver = key.substring(key.indexOf('#') + 1);
            if (ver.equals(ver(query))) verified.put(key, Set.copyOf(features));
        }
        return features;
    }

    /** XEP-0115 section 5.1 verification string hashed with SHA-1; null when it cannot be computed. */
    static String ver(Element query) {
        List<String> identities = new ArrayList<>();
        for (Element i : query.elements("identity")) {
            identities.add(i.attributeValue("category", "") + "/" + i.attributeValue("type", "") + "/"
                    + i.attributeValue("xml:lang", i.attributeValue("lang", "")) + "/" + i.attributeValue("name", ""));
        }
        Collections.sort(identities);
        List<String> features = new ArrayList<>();
        for (Element f : query.elements("feature")) features.add(f.attributeValue("var", ""));
        Collections.sort(features);
        StringBuilder s = new StringBuilder();
        for (String i : identities) s.append(i).append('<');
        for (String f : features) s.append(f).append('<');
        List<Element> forms = new ArrayList<>();
        for (Element x : query.elements()) if ("x".equals(x.getName()) && Stanzas.DATA.equals(x.getNamespaceURI())) forms.add(x);
        forms.sort((a, b) -> formType(a).compareTo(formType(b)));
        for (Element form : forms) {
            s.append(formType(form)).append('<');
            List<Element> fields = new ArrayList<>();
            for (Element f : form.elements("field")) if (!"FORM_TYPE".equals(f.attributeValue("var"))) fields.add(f);
            fields.sort((a, b) -> a.attributeValue("var", "").compareTo(b.attributeValue("var", "")));
            for (Element f : fields) {
                s.append(f.attributeValue("var", "")).append('<');
                List<String> values = new ArrayList<>();
                for (Element v : f.elements("value")) values.add(v.getText());
                Collections.sort(values);
                for (String v : values) s.append(v).append('<');
            }
        }
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(s.toString().getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            return null;
        }
    }

    private static String formType(Element form) {
        String t = Stanzas.formValue(form, "FORM_TYPE");
        return t == null ? "" : t;
    }
}
