import { Type, type Static } from '@sinclair/typebox';
import type { FieldError } from './field-errors.js';

const DateTime = (title: string, description: string) =>
  Type.String({ title, description, format: 'date-time', maxLength: 40, examples: ['2025-05-01T18:00:00+02:00'] });

export const EventFields = Type.Object(
  {
    summary: Type.String({ title: 'Event title', description: 'What the calendar entry is called.', minLength: 1, maxLength: 200 }),
    start: DateTime('Start', 'When the event starts, RFC 3339 with its UTC offset; stored in the code as UTC.'),
    end: DateTime('End', 'When the event ends, RFC 3339 with its UTC offset; must be after the start.'),
    location: Type.Optional(Type.String({ title: 'Location', description: 'Where the event takes place.', maxLength: 200 })),
    description: Type.Optional(Type.String({ title: 'Description', description: 'Details shown in the calendar entry; line breaks are kept.', maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type EventFields = Static<typeof EventFields>;

export function checkEvent(fields: EventFields): FieldError[] {
  if (Date.parse(fields.end) <= Date.parse(fields.start)) {
    return [{ path: 'end', message: 'End must be after the start.' }];
  }
  return [];
}

/** iCalendar UTC form YYYYMMDDTHHMMSSZ; sub-second precision does not exist there. */
export function formatIcalUtc(instant: string): string {
  const time = Date.parse(instant);
  if (Number.isNaN(time)) throw new Error(`formatIcalUtc called with an unchecked date-time: ${instant}`);
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** RFC 5545 §3.3.11: backslash, semicolon and comma are escaped, line breaks written as \n. */
export function escapeIcalText(value: string): string {
  return value.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r\n|\r|\n/g, '\\n');
}

export function encodeEvent(fields: EventFields): string {
  const lines = ['BEGIN:VEVENT', `SUMMARY:${escapeIcalText(fields.summary)}`, `DTSTART:${formatIcalUtc(fields.start)}`, `DTEND:${formatIcalUtc(fields.end)}`];
  if (fields.location) lines.push(`LOCATION:${escapeIcalText(fields.location)}`);
  if (fields.description) lines.push(`DESCRIPTION:${escapeIcalText(fields.description)}`);
  lines.push('END:VEVENT');
  return lines.join('\r\n');
}
