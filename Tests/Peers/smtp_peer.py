"""A submission server for Herald's email tests (aiosmtpd), delivering to Dovecot over LMTP.

Usage: smtp_peer.py DIR CERT KEY [--port 12525] [--tls-port 12465] [--lmtp 12424]

- Port 12525 offers STARTTLS and requires it before AUTH; 12465 is implicit TLS.
- AUTH PLAIN/LOGIN: any user with the password "secret"; 535 otherwise; 530 without AUTH.
- Every accepted DATA is copied to DIR/spool/<recipient>/<n>.eml (the tests read replies there)
  and delivered to Dovecot over LMTP.
- Faults, chosen by the recipient's local part, so parallel tests do not disturb each other:
  "...+drop@"   the first DATA of each Message-ID is delivered, then the connection is closed
                without the final 250 (the client cannot know it arrived);
  "...+reject@" RCPT is refused with 550 for good.
"""
import argparse, asyncio, os, re, smtplib, ssl, sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, SMTP

parser = argparse.ArgumentParser()
parser.add_argument("dir"); parser.add_argument("cert"); parser.add_argument("key")
parser.add_argument("--port", type=int, default=12525)
parser.add_argument("--tls-port", type=int, default=12465)
parser.add_argument("--lmtp", type=int, default=12424)
args = parser.parse_args()
spool = os.path.join(args.dir, "spool")
os.makedirs(spool, exist_ok=True)
lock = threading.Lock()
dropped = set()
counter = [0]


def authenticator(server, session, envelope, mechanism, auth_data):
    # handled=False: aiosmtpd then sends the 535 itself (handled=True would send nothing).
    ok = getattr(auth_data, "password", b"") in (b"secret", "secret")
    return AuthResult(success=ok, handled=False)


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "+reject@" in address:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        with lock:
            counter[0] += 1
            n = counter[0]
        for rcpt in envelope.rcpt_tos:
            d = os.path.join(spool, rcpt.lower())
            os.makedirs(d, exist_ok=True)
            tmp = os.path.join(d, ".%06d.tmp" % n)
            with open(tmp, "wb") as f:
                f.write(data)
            os.rename(tmp, os.path.join(d, "%06d.eml" % n))
        try:
            with smtplib.LMTP("127.0.0.1", args.lmtp) as lmtp:
                lmtp.sendmail(envelope.mail_from, envelope.rcpt_tos, data)
        except Exception as e:  # noqa: BLE001 - told to the client as a transient failure
            print("lmtp:", e, file=sys.stderr, flush=True)
            return "451 4.3.0 local delivery failed"
        m = re.search(rb"^Message-ID:\s*(\S+)", data, re.I | re.M)
        key = m.group(1) if m else b""
        if any("+drop@" in r for r in envelope.rcpt_tos):
            with lock:
                first = key not in dropped
                dropped.add(key)
            if first:
                server.transport.close()  # delivered, but the 250 never reaches the client
                return "451 unreachable"
        return "250 OK"


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(args.cert, args.key)
common = dict(authenticator=authenticator, server_hostname="mail.test.local")
starttls = Controller(Handler(), hostname="127.0.0.1", port=args.port,
                      tls_context=context, require_starttls=True, auth_required=True, **common)
implicit = Controller(Handler(), hostname="127.0.0.1", port=args.tls_port, ssl_context=context,
                      auth_required=True, auth_require_tls=False, **common)
starttls.start()
implicit.start()
print("smtp peer on %d (STARTTLS) and %d (TLS)" % (args.port, args.tls_port), flush=True)
try:
    threading.Event().wait()
except KeyboardInterrupt:
    pass
