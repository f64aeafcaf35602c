package org.parley.muc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dom4j.Element;

/** XEP-0004 data forms, as far as the MUC service needs them. */
final class Forms {
    private Forms() {}

    static Element form(String type, String formType) {
        Element x = Ns.element("x", Ns.DATA);
        x.addAttribute("type", type);
        if (formType != null) field(x, "FORM_TYPE", "hidden", null, formType);
        return x;
    }

    static Element field(Element x, String var, String type, String label, String... values) {
        Element f = x.addElement("field");
        f.addAttribute("var", var);
        if (type != null) f.addAttribute("type", type);
        if (label != null) f.addAttribute("label", label);
        for (String v : values) f.addElement("value").setText(v == null ? "" : v);
        return f;
    }

    static Element bool(Element x, String var, String label, boolean value) {
        return field(x, var, "boolean", label, value ? "1" : "0");
    }

    static Element listSingle(Element x, String var, String label, String value, String... options) {
        Element f = field(x, var, "list-single", label, value);
        for (String o : options) {
            Element opt = f.addElement("option");
            opt.addAttribute("label", o);
            opt.addElement("value").setText(o);
        }
        return f;
    }

    /** The values of every field of a submitted form, by var. */
    static Map<String, List<String>> values(Element x) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Element f : x.elements("field")) {
            String var = f.attributeValue("var");
            if (var == null) continue;
            List<String> vs = new ArrayList<>();
            for (Element v : f.elements("value")) vs.add(v.getText());
            out.put(var, vs);
        }
        return out;
    }

    static String single(Map<String, List<String>> values, String var) {
        List<String> v = values.get(var);
        return v == null ? null : v.isEmpty() ? "" : v.get(0);
    }

    /** XEP-0004 booleans: 1/true, 0/false. */
    static Boolean bool(String s) throws MucError {
        if (s == null) return null;
        return switch (s.trim()) {
            case "1", "true" -> true;
            case "0", "false", "" -> false;
            default -> throw MucError.badRequest("not a boolean: " + s);
        };
    }
}
