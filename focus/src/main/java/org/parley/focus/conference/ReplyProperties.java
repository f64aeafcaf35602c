package org.parley.focus.conference;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.parley.jingle.focus.ConferenceIq;

/**
 * Properties of the conference reply that depend on the focus's services now, not on the conference (Jicofo's
 * {@code sipGatewayEnabled} while a Jigasi can take calls): each source is asked at every reply, on the thread that
 * answers, so it must be cheap and must not block. A property a source gives replaces the focus's default of that name.
 */
public final class ReplyProperties {
    private final List<Supplier<List<ConferenceIq.Property>>> sources = new CopyOnWriteArrayList<>();

    public void add(Supplier<List<ConferenceIq.Property>> source) {
        sources.add(source);
    }

    /** {@code defaults} with every source's properties applied (same name: replaced; new name: appended). */
    List<ConferenceIq.Property> apply(List<ConferenceIq.Property> defaults) {
        if (sources.isEmpty()) return defaults;
        List<ConferenceIq.Property> out = new java.util.ArrayList<>(defaults);
        for (Supplier<List<ConferenceIq.Property>> s : sources) {
            for (ConferenceIq.Property p : s.get()) {
                out.removeIf(q -> q.name().equals(p.name()));
                out.add(p);
            }
        }
        return out;
    }
}
