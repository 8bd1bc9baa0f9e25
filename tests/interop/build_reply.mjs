// Answer copflow's invitations as a calendar client would, with Mozilla's ical.js (a library copflow does not use):
// the invitation's VEVENT with only the answering ATTENDEE and its PARTSTAT, METHOD:REPLY (or COUNTER with the
// proposed DTSTART/DTEND), and for one occurrence a RECURRENCE-ID without the RRULE.
// Usage: node build_reply.mjs < input.json   (a JSON list of {invitation, attendee, partstat, method?,
// occurrence_utc?, propose_start_utc?, propose_end_utc?, organizer?, uid?, comment?}); prints a JSON list of texts.
import ICAL from "ical.js";
import { readFileSync } from "node:fs";

const asks = JSON.parse(readFileSync(0, "utf8"));

function utc(iso) {
  return ICAL.Time.fromJSDate(new Date(iso), true);
}

function setTime(vevent, name, iso) {
  vevent.removeAllProperties(name);
  vevent.addPropertyWithValue(name, utc(iso));
}

const out = asks.map((ask) => {
  const root = new ICAL.Component(ICAL.parse(ask.invitation));
  root.updatePropertyWithValue("method", ask.method || "REPLY");
  root.updatePropertyWithValue("prodid", "-//Mozilla ical.js//reply builder for copflow's tests//EN");
  const vevent = root.getFirstSubcomponent("vevent");
  for (const a of vevent.getAllProperties("attendee")) {
    if (String(a.getFirstValue()).toLowerCase() !== `mailto:${ask.attendee.toLowerCase()}`) vevent.removeProperty(a);
  }
  const me = vevent.getFirstProperty("attendee");
  if (me) {
    if (ask.partstat) me.setParameter("partstat", ask.partstat);
    else me.removeParameter("partstat");
    me.removeParameter("rsvp");
  }
  vevent.updatePropertyWithValue("dtstamp", utc("2025-05-01T09:00:00Z"));
  for (const name of ["description", "location", "url", "status", "transp"]) vevent.removeAllProperties(name);
  if (ask.occurrence_utc) {
    vevent.removeAllProperties("rrule");
    vevent.removeAllProperties("exdate");
    vevent.addPropertyWithValue("recurrence-id", utc(ask.occurrence_utc));
  }
  if (ask.propose_start_utc) {
    setTime(vevent, "dtstart", ask.propose_start_utc);
    setTime(vevent, "dtend", ask.propose_end_utc);
  }
  if (ask.organizer) vevent.updatePropertyWithValue("organizer", `mailto:${ask.organizer}`);
  if (ask.uid) vevent.updatePropertyWithValue("uid", ask.uid);
  if (ask.comment) vevent.addPropertyWithValue("comment", ask.comment);
  return root.toString();
});
process.stdout.write(JSON.stringify(out));
