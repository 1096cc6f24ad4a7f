// Calendar arithmetic on ISO dates ("YYYY-MM-DD") and Europe/Paris wall-clock times, whatever
// the browser's own time zone: business days and visit windows are Paris days.

export const PARIS = 'Europe/Paris'

const parisParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: PARIS,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})

function parts(instant: Date): Record<string, string> {
  const result: Record<string, string> = {}
  for (const part of parisParts.formatToParts(instant)) result[part.type] = part.value
  return result
}

/** Today's date in Paris, ISO. */
export function parisToday(now: Date = new Date()): string {
  const p = parts(now)
  return `${p.year}-${p.month}-${p.day}`
}

/** The Paris date of an instant, ISO. */
export function parisDateOf(iso: string): string {
  return parisToday(new Date(iso))
}

/** "HH:MM" of an instant in Paris. */
export function parisTimeOf(iso: string): string {
  const p = parts(new Date(iso))
  return `${p.hour}:${p.minute}`
}

export function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`)
  date.setUTCDate(date.getUTCDate() + days)
  return date.toISOString().slice(0, 10)
}

/** ISO weekday, 1 = Monday ... 7 = Sunday. */
export function isoWeekday(isoDate: string): number {
  const day = new Date(`${isoDate}T00:00:00Z`).getUTCDay()
  return day === 0 ? 7 : day
}

/** The Monday of the week containing a date. */
export function mondayOf(isoDate: string): string {
  return addDays(isoDate, 1 - isoWeekday(isoDate))
}

export function weekDays(monday: string, count = 7): string[] {
  return Array.from({ length: count }, (_, index) => addDays(monday, index))
}

/** Minutes between UTC and Paris at an instant (60 in winter, 120 in summer). */
function parisOffsetMinutes(instant: Date): number {
  const p = parts(instant)
  const asUtc = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
  )
  return Math.round((asUtc - Math.floor(instant.getTime() / 60000) * 60000) / 60000)
}

/** A Paris wall-clock date and time ("2026-05-04", "09:30") as an RFC 3339 instant with offset. */
export function parisDateTime(isoDate: string, time: string): string {
  const [hours = 0, minutes = 0] = time.split(':').map(Number)
  const [year = 1970, month = 1, day = 1] = isoDate.split('-').map(Number)
  const guess = Date.UTC(year, month - 1, day, hours, minutes)
  // Two passes settle the offset on days when the clocks change.
  let offset = parisOffsetMinutes(new Date(guess - 60 * 60000))
  offset = parisOffsetMinutes(new Date(guess - offset * 60000))
  const sign = offset >= 0 ? '+' : '-'
  const abs = Math.abs(offset)
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  const clock = `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`
  return `${isoDate}T${clock}:00${sign}${hh}:${mm}`
}

/** Minutes since midnight of "HH:MM". */
export function minutesOf(time: string): number {
  const [hours = 0, minutes = 0] = time.split(':').map(Number)
  return hours * 60 + minutes
}

export function daysBetween(fromIso: string, toIso: string): number {
  return Math.round(
    (new Date(`${toIso}T00:00:00Z`).getTime() - new Date(`${fromIso}T00:00:00Z`).getTime()) /
      86_400_000,
  )
}
