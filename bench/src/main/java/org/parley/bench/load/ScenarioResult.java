package org.parley.bench.load;

import java.util.ArrayList;
import java.util.List;

/** What one scenario measured on one server: its figures, and notes (failures, what was used). */
public final class ScenarioResult {
    private final String scenario;
    private final List<Metric> metrics = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public ScenarioResult(String scenario) {
        this.scenario = scenario;
    }

    public String scenario() { return scenario; }

    public List<Metric> metrics() { return metrics; }

    public List<String> notes() { return notes; }

    public ScenarioResult add(Metric m) {
        metrics.add(m);
        return this;
    }

    public ScenarioResult note(String n) {
        notes.add(n);
        return this;
    }

    public Metric metric(String key) {
        return metrics.stream().filter(m -> m.key().equals(key)).findFirst().orElse(null);
    }
}
