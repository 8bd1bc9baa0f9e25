// Read iCalendar texts with Mozilla's ical.js and print what a calendar client would see, as JSON.
// Usage: node read_ics.mjs COUNT < input.json   (input: a JSON list of iCalendar texts)
// For each text: METHOD, and per VEVENT its UID, SEQUENCE, STATUS, organizer, attendees, RECURRENCE-ID and
// the first COUNT occurrences in UTC, expanded with the VTIMEZONE the text itself carries.
import ICAL from "ical.js";
import { readFileSync } from "node:fs";

const count = Number(process.argv[2] || "24");
const texts = JSON.parse(readFileSync(0, "utf8"));

function param(prop, name) {
  const v = prop.getParameter(name);
  return v === undefined || v === null ? null : String(v);
}

const out = texts.map((text) => {
  const root = new ICAL.Component(ICAL.parse(text));
  // Only the zones the text carries: the test must prove our VTIMEZONE, not ical.js's built-ins.
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
  }
  const events = root.getAllSubcomponents("vevent").map((vevent) => {
    const ev = new ICAL.Event(vevent);
    const occurrences = [];
    if (!vevent.hasProperty("recurrence-id")) {
      const it = ev.iterator();
      for (let i = 0; i < count; i++) {
        const next = it.next();
        if (!next) break;
        occurrences.push(next.toJSDate().toISOString());
        if (!ev.isRecurring()) break;
      }
    }
    const organizer = vevent.getFirstProperty("organizer");
    return {
      uid: ev.uid,
      sequence: ev.sequence,
      status: vevent.getFirstPropertyValue("status"),
      summary: ev.summary,
      description: ev.description,
      tzid: ev.startDate.zone ? ev.startDate.zone.tzid : null,
      start_utc: ev.startDate.toJSDate().toISOString(),
      end_utc: ev.endDate.toJSDate().toISOString(),
      recurrence_id_utc: vevent.hasProperty("recurrence-id") ? ev.recurrenceId.toJSDate().toISOString() : null,
      rrule: vevent.hasProperty("rrule") ? vevent.getFirstPropertyValue("rrule").toString() : null,
      location: vevent.getFirstPropertyValue("location"),
      url: vevent.getFirstPropertyValue("url"),
      organizer: organizer ? { email: String(organizer.getFirstValue()), cn: param(organizer, "cn") } : null,
      attendees: vevent.getAllProperties("attendee").map((a) => ({
        email: String(a.getFirstValue()), cn: param(a, "cn"), role: param(a, "role"),
        partstat: param(a, "partstat"), rsvp: param(a, "rsvp"),
      })),
      occurrences,
    };
  });
  for (const vtz of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.remove(vtz.getFirstPropertyValue("tzid"));
  }
  return {
    method: root.getFirstPropertyValue("method"),
    version: root.getFirstPropertyValue("version"),
    prodid: root.getFirstPropertyValue("prodid"),
    timezones: root.getAllSubcomponents("vtimezone").map((v) => v.getFirstPropertyValue("tzid")),
    events,
  };
});
process.stdout.write(JSON.stringify(out));
