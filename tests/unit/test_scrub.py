"""Finding and replacing a person's address and name in every form copflow writes them."""

from __future__ import annotations

import re

from copflow.services.privacy.scrub import Needles
from copflow.services.pseudonyms import is_erased, pseudonym_email, recipient_hash

N = Needles("siobhan.o'neil@uni.example.org", "Siobhán O'Neil", "erased-7@erased.invalid", "Erased person 7")


def test_plain_html_and_calendar_text_forms_are_replaced():
    text = ("Dear Siobhán O'Neil, <p>Dear Siobhán O&#39;Neil</p> <b>Siobhán O&#x27;Neil</b> "
            "SIOBHAN.O'NEIL@UNI.EXAMPLE.ORG")
    out = N.replace(text)
    assert out == ("Dear Erased person 7, <p>Dear Erased person 7</p> <b>Erased person 7</b> "
                   "erased-7@erased.invalid")
    assert N.found_in(text) and not N.found_in(out)


def test_an_address_split_by_a_calendar_fold_is_found_and_the_calendar_refolded():
    line = "ATTENDEE;CN=Siobhán O'Neil;ROLE=REQ-PARTICIPANT:mailto:siobhan.o'neil@uni.example.org"
    folded = f"{line[:75]}\r\n {line[75:]}"
    ics = f"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n{folded}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    assert "siobhan.o'neil@uni.example.org" not in ics  # the fold split it
    assert N.found_in(ics)
    out = N.replace(ics)
    assert "ATTENDEE;CN=Erased person 7;ROLE=REQ-PARTICIPANT:mailto:erased-7@erased.invalid" in \
        re.sub(r"\r\n ", "", out)
    assert all(len(line.encode()) <= 75 for line in out.split("\r\n"))


def test_json_values_and_keys_are_walked():
    payload = {"attendees": ["siobhan.o'neil@uni.example.org", "ann@uni.example.org"],
               "notes": {"by Siobhán O'Neil": 3}, "count": 2}
    assert N.replace(payload) == {"attendees": ["erased-7@erased.invalid", "ann@uni.example.org"],
                                  "notes": {"by Erased person 7": 3}, "count": 2}
    assert not N.found_in({"attendees": ["ann@uni.example.org"], "count": 2})


def test_pseudonyms_are_stable_and_unreachable():
    assert pseudonym_email(7) == pseudonym_email(7) == "erased-7@erased.invalid" and is_erased("Erased-7@ERASED.invalid")
    assert not is_erased("ann@uni.example.org")
    assert recipient_hash(" Ann@Uni.Example.org ") == recipient_hash("ann@uni.example.org") != recipient_hash("b@x.org")
