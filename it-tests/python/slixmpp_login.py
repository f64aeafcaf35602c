"""Logs in to Parley with slixmpp's default settings, pings the server and prints one RESULT line.

Run by it-tests' SlixmppLoginTest with Debian's python3-slixmpp (1.8): what an outside client does with
Parley's SASL offer (SCRAM-SHA-256-PLUS first, then falling back) over STARTTLS or direct TLS.

usage: slixmpp_login.py HOST PORT starttls|direct JID PASSWORD CA_FILE
Exit status 0 and "RESULT ok ..." on a login and an answered ping, 1 and "RESULT fail ..." otherwise.
"""
import asyncio
import logging
import ssl
import sys
from pathlib import Path

import slixmpp

TIMEOUT = 20


class Login(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.register_plugin('xep_0199')
        self.failures = []
        self.outcome = None
        self.add_event_handler('session_start', self.on_session)
        self.add_event_handler('failed_auth', self.on_failed_auth)
        self.add_event_handler('failed_all_auth', lambda _: self.finish('fail', 'no mechanism left'))
        self.add_event_handler('disconnected', lambda _: self.finish('fail', 'disconnected'))

    def on_failed_auth(self, stanza):
        self.failures.append('%s:%s' % (self['feature_mechanisms'].mech.name, stanza['condition']))

    async def on_session(self, _):
        mech = self['feature_mechanisms'].mech.name
        tls = self.socket.version() if isinstance(self.socket, (ssl.SSLObject, ssl.SSLSocket)) else 'none'
        try:
            rtt = await self['xep_0199'].ping(jid=self.boundjid.domain, timeout=5)
        except Exception as e:  # any error or timeout: the stream does not work after login
            self.finish('fail', 'ping: %r' % e)
            return
        self.finish('ok', 'mechanism=%s tls=%s jid=%s rtt=%.3f' % (mech, tls, self.boundjid.full, rtt))

    def finish(self, outcome, detail):
        if self.outcome is not None:
            return
        self.outcome = outcome
        print('RESULT %s %s failed=%s' % (outcome, detail, ','.join(self.failures) or '-'), flush=True)
        self.disconnect()


def main():
    host, port, mode, jid, password, ca = sys.argv[1:7]
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format='%(levelname)s %(name)s %(message)s')
    xmpp = Login(jid, password)
    xmpp.ca_certs = Path(ca)
    xmpp.connect(address=(host, int(port)), use_ssl=(mode == 'direct'), force_starttls=(mode != 'direct'))
    loop = xmpp.loop
    loop.call_later(TIMEOUT, lambda: xmpp.finish('fail', 'timeout after %ds' % TIMEOUT))
    try:
        loop.run_until_complete(asyncio.wait_for(xmpp.disconnected, TIMEOUT + 5))
    except asyncio.TimeoutError:
        xmpp.finish('fail', 'no disconnect')
    sys.exit(0 if xmpp.outcome == 'ok' else 1)


if __name__ == '__main__':
    main()
