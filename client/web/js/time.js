// Times a person reads are on the session's clock: the UTC offset of the agenda's starts_at,
// never the browser's zone (a chair in Hà Nội and a delegate abroad read the same "16:51").

/** The UTC offset an ISO 8601 moment carries, in minutes ("…+07:00" → 420, "…Z" → 0); null without one. */
export function offsetMinutes(iso) {
  const match = /(?:([+-])(\d{2}):?(\d{2})|Z)$/i.exec(iso || "");
  if (!match) return null;
  if (!match[1]) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === "-" ? -minutes : minutes;
}

const pad = (n) => String(n).padStart(2, "0");

/**
 * "16:51": the wall-clock time of the moment `iso` in the zone whose offset `zoneIso` carries
 * (the session's starts_at); without `zoneIso`, in the moment's own offset. "" for no moment.
 */
export function sessionClock(iso, zoneIso) {
  if (!iso) return "";
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) return "";
  const offset = offsetMinutes(zoneIso) ?? offsetMinutes(iso) ?? 0;
  const shifted = new Date(instant + offset * 60_000); // read back with the UTC getters: no browser zone
  return `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}`;
}

/** "30/11/2021": the calendar date of `iso` in the zone whose offset `zoneIso` carries (as sessionClock). */
export function sessionDate(iso, zoneIso) {
  if (!iso) return "";
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) return "";
  const offset = offsetMinutes(zoneIso) ?? offsetMinutes(iso) ?? 0;
  const shifted = new Date(instant + offset * 60_000);
  return `${pad(shifted.getUTCDate())}/${pad(shifted.getUTCMonth() + 1)}/${shifted.getUTCFullYear()}`;
}
