// Reads an iCalendar document on stdin and prints its events as JSON, as Thunderbird's parser sees them.
// Every VTIMEZONE of the document is registered first, so times resolve through the
// document's own zone definitions rather than a built-in database (ical.js has none).
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");

const calendar = new ICAL.Component(ICAL.parse(text));
ICAL.TimezoneService.reset();
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}

const utc = (time) => new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");

const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: event.location,
    sequence: event.sequence,
    status: vevent.getFirstPropertyValue("status"),
    start: utc(event.startDate),
    end: utc(event.endDate),
    zone: event.startDate.zone ? event.startDate.zone.tzid : null,
  };
});
process.stdout.write(JSON.stringify({
  name: calendar.getFirstPropertyValue("x-wr-calname"),
  events,
}));
