"""An SMTP server for Masthead's mail tests, on aiosmtpd:

    PYTHONPATH=tests/smtp python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c recorder.Recorder FOLDER

It writes each message it accepts into FOLDER as JSON, with its envelope (MAIL FROM, RCPT TO)
and its bytes as received. Recipients whose local part starts with "later" are refused for now
(450), those starting with "refuse" for good (550), so that a test can tell the two apart.
"""

import json
import os
import uuid


class Recorder:
    def __init__(self, folder):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("recorder.Recorder takes one argument: the folder to write into")
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("later"):
            return "450 4.2.1 Mailbox busy, try again later"
        if local.startswith("refuse"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.original_content.decode("utf-8", "replace"),
        }
        path = os.path.join(self.folder, uuid.uuid4().hex + ".json")
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        # Whole files only: a reader never sees half a message.
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"
