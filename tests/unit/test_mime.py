"""Messages are safe whatever a name or note contains: no forged headers, no live HTML, names intact."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

from notifications.compose import render
from notifications.ics import Meeting, Party, calendar_text
from notifications.mime import Outgoing, build, message_id

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def roundtrip(out: Outgoing, sender: str = "CoP programme <cop@uni.example.org>"):  # type: ignore[no-untyped-def]
    return message_from_bytes(build(out, sender, NOW).as_bytes(), policy=policy.default)


def test_crlf_in_subject_and_names_cannot_add_headers():
    out = Outgoing("k1", "ann@x.org", "Ann\r\nBcc: all@evil.example", "Hello\r\nBcc: all@evil.example\r\n\r\nbody",
                   "text", None)
    msg = roundtrip(out, "Evil\r\nBcc: x@evil.example <cop@x.org>")
    assert msg["Bcc"] is None and len(msg.get_all("Subject")) == 1
    assert msg["Subject"] == "Hello Bcc: all@evil.example body"
    assert msg["To"].addresses[0].addr_spec == "ann@x.org"


def test_names_with_commas_and_non_ascii_are_encoded_and_read_back():
    msg = roundtrip(Outgoing("k2", "zoe@bücher.example.org", "Ünal, Zoë", "Ça marche — oui", "tëxt", "<p>ü</p>"))
    [to] = msg["To"].addresses
    # The domain goes as IDNA (an encoded word inside an address is not allowed), which reads as the same domain.
    assert (to.display_name, to.addr_spec) == ("Ünal, Zoë", "zoe@xn--bcher-kva.example.org")
    assert b"xn--bcher-kva".decode("idna") == "bücher"
    assert msg["Subject"] == "Ça marche — oui"
    assert msg.get_body(("plain",)).get_content() == "tëxt\n"


def test_message_id_is_derived_from_the_key():
    a = roundtrip(Outgoing("same-key", "a@x.org", None, "s", "t", None))
    b = roundtrip(Outgoing("same-key", "a@x.org", None, "s", "t", None))
    assert a["Message-ID"] == b["Message-ID"] == message_id("same-key", "uni.example.org")


def test_html_in_names_is_escaped_in_html_and_kept_plain_in_text():
    context = {"cop": {"slug": "x", "name": "<script>alert(1)</script>", "stage": "planning", "timezone": "UTC"},
               "recipient": {"name": "<img src=x onerror=alert(1)>", "email": "a@x.org", "role": "lead"},
               "from_stage": "forming", "to_stage": "planning", "next_gate": None, "next_due_on": None}
    r = render("stage_changed", context)
    assert "<script>" not in r.html and "&lt;script&gt;" in r.html
    assert "<img" not in r.html and "&lt;img" in r.html
    assert "<script>alert(1)</script>" in r.text


def test_ics_values_are_escaped_and_folded():
    m = Meeting(uid="u@copflow", sequence=0, summary="Check-in\r\nATTENDEE:mailto:evil@x.org",
                description="a; b, c\nnew line", tzid="Europe/London", start=datetime(2026, 3, 3, 12, 30), minutes=30,
                organizer=Party("ann@x.org", 'Lee, "Ann"'), attendees=(Party("bob@x.org", "Bob"),))
    text = calendar_text(m, method="REQUEST", dtstamp=NOW)
    assert "\r\nATTENDEE:mailto:evil@x.org" not in text.replace("SUMMARY:Check-in ATTENDEE", "")
    assert text.count("ATTENDEE") == 2  # the real one, and the text inside SUMMARY
    assert "DESCRIPTION:a\\; b\\, c\\nnew line" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_every_message_kind_renders_with_its_sample(capsys):
    from notifications.previews import PREVIEWS, preview

    for name in PREVIEWS:
        rendered, ics = preview(name)
        assert rendered.subject and rendered.text.strip() and "<html" in rendered.html
        assert "\n" not in rendered.subject
        assert (ics is not None) == name.startswith("invitation")


def test_an_invitation_has_the_imip_shape_and_every_part_reads_back():
    ics = calendar_text(Meeting(uid="u@copflow", sequence=2, summary="Café check-in", description="Zoë's agenda",
                                tzid="Europe/London", start=datetime(2026, 3, 3, 12, 30), minutes=30,
                                organizer=Party("ann@x.org", "Ann"), attendees=(Party("bob@x.org", "Bøb"),)),
                        method="REQUEST", dtstamp=NOW)
    long_subject = "Invitation: core group check-in for Données et Analyse — every month, " * 3
    built = build(Outgoing("k3", "bob@x.org", 'Bob "the builder" \\ Jr.', long_subject, "Hällo\n" * 200,
                           "<p>Hällo</p>", ics, "REQUEST"), "CoP programme <cop@uni.example.org>", NOW)
    raw = built.as_bytes()
    assert b"\r" not in raw  # LF line ends, as the standard library writes them (smtplib sends CRLF)
    assert all(len(line) <= 998 for line in raw.split(b"\n"))
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg.get_content_type() == "multipart/mixed"
    alternative, attachment = msg.get_payload()
    assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html", "text/calendar"]
    plain, html, cal = alternative.get_payload()
    assert plain.get_content() == "Hällo\n" * 200 and html.get_content() == "<p>Hällo</p>\n"
    assert cal.get_param("method") == "REQUEST" and cal.get_content_charset() == "utf-8"
    assert cal.get_content().replace("\r\n", "\n") == ics.replace("\r\n", "\n")
    assert attachment.get_filename() == "invite.ics" and attachment.get_content_type() == "application/ics"
    assert attachment.get_content().decode("utf-8") == ics
    assert msg["Subject"] == " ".join(long_subject.split())
    assert msg["To"].addresses[0].display_name == 'Bob "the builder" \\ Jr.'
    assert built["Message-ID"] == msg["Message-ID"] and built.envelope_from == "cop@uni.example.org"


def test_a_non_ascii_local_part_is_marked_for_smtputf8():
    built = build(Outgoing("k4", "zoë@x.org", None, "s", "t", None), "c <c@x.org>", NOW)
    assert built.needs_smtputf8 and built.envelope_to == "zoë@x.org"
    assert not build(Outgoing("k5", "zoe@bücher.example.org", None, "s", "t", None), "c <c@x.org>", NOW).needs_smtputf8


def test_subjects_keep_their_ascii_words_readable_in_the_raw_header():
    for subject in ("Core group check-in — Données et Analyse", "Zoë’s review", "Ünal, Zoë: a =?fake?= word",
                    "a — b — c", "é"):
        raw = build(Outgoing("k6", "a@x.org", None, subject, "t", None), "c <c@x.org>", NOW).as_bytes()
        line = next(x for x in raw.decode("ascii").split("\n") if x.startswith("Subject: "))
        assert message_from_bytes(raw, policy=policy.default)["Subject"] == subject
        first = subject.split(" ")[0]
        assert line.startswith(f"Subject: {first}") == (first.isascii() and "=?" not in first)


def test_an_attachment_travels_beside_the_text_and_html_and_reads_back_exactly():
    report = "<!doctype html><h1>Revue — données</h1>\n" + "<p>line</p>\n" * 500
    msg = roundtrip(Outgoing("k7", "a@x.org", None, "Report", "see attached", "<p>see attached</p>",
                             attachment_name="data-insight-review-2026-03-23.html", attachment=report))
    assert msg.get_content_type() == "multipart/mixed"
    assert msg.get_body(("plain",)).get_content() == "see attached\n"
    [part] = list(msg.iter_attachments())
    assert (part.get_filename(), part.get_content_type()) == ("data-insight-review-2026-03-23.html", "text/html")
    assert part.get_content() == report


def test_an_invitation_keeps_its_shape_when_a_file_is_attached_too():
    ics = calendar_text(Meeting(uid="u@copflow", sequence=0, summary="Check-in", description="d", tzid="UTC",
                                start=datetime(2026, 3, 3, 12, 30), minutes=30, organizer=Party("ann@x.org", "Ann"),
                                attendees=(Party("bob@x.org", "Bob"),)), method="REQUEST", dtstamp=NOW)
    msg = roundtrip(Outgoing("k8", "bob@x.org", "Bob", "Invite", "t", "<p>t</p>", ics, "REQUEST",
                             attachment_name="notes.md", attachment="# Notes\n"))
    alternative, *files = msg.iter_parts()
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html", "text/calendar"]
    assert [(f.get_filename(), f.get_content_type()) for f in files] == [("invite.ics", "application/ics"),
                                                                          ("notes.md", "text/markdown")]


def test_an_attachment_name_cannot_break_out_of_its_header():
    raw = build(Outgoing("k9", "a@x.org", None, "s", "t", None, attachment_name='x"\r\nBcc: e@evil.example.md',
                         attachment="hi"), "c <c@x.org>", NOW).as_bytes()
    msg = message_from_bytes(raw, policy=policy.default)
    [part] = list(msg.iter_attachments())
    assert b"Bcc:" not in raw and part.get_filename() == "x___Bcc__e_evil.example.md"
    assert part.get_content() == "hi"
