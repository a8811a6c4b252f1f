"""Checks a message's DKIM signature with dkimpy, an implementation independent of ours:

    python3 dkim_verify.py MESSAGE_FILE "v=DKIM1; k=rsa; p=..."

The public key is given on the command line instead of looked up in DNS (tests reach no
network). Prints what dkimpy says and exits 0 only when the signature verifies.
"""

import logging
import sys

import dkim

message = open(sys.argv[1], "rb").read()
record = sys.argv[2].encode()
# As received over SMTP, lines end in CRLF.
message = message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def dnsfunc(name, timeout=5):
    return record


logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
verifier = dkim.DKIM(message, logger=logging.getLogger("dkim"))
ok = verifier.verify(dnsfunc=dnsfunc)
print("verified" if ok else "NOT verified")
sys.exit(0 if ok else 1)
