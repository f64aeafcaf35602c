package org.parley.bench.load;

/** A load pattern run against one server through a {@link Connector}. */
public interface Scenario {
    /** The name used on the command line and in the table. */
    String name();

    /** Runs it; failures the scenario can describe go into the result's notes, the rest propagate. */
    ScenarioResult run(Connector connector, Settings settings) throws Exception;
}
