package org.parley.focus.conference;

import java.util.function.Consumer;
import org.parley.focus.FocusConfig;
import org.parley.focus.bridge.BridgeSelector;
import org.parley.focus.bridge.Bridges;
import org.parley.focus.state.FocusStateSink;
import org.parley.focus.xmpp.IqClient;
import org.parley.focus.xmpp.XmppLink;

/**
 * What every conference shares: configuration, the focus's XMPP links (its own JID, and the request domain for
 * answers to conference requests), the bridges, the offer builder, the capability cache, the state sink, the request latency meters,
 * the features plugged into every conference.
 */
record ConferenceContext(FocusConfig config, IqClient iq, XmppLink requestLink, Bridges bridges,
                         BridgeSelector selector, Offers offers, Capabilities capabilities, FocusStateSink sink,
                         Consumer<Conference> ended, RequestLatency latency,
                         java.util.List<ConferenceModule.Factory> modules, ReplyProperties replyProperties) {}
