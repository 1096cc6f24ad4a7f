// French formatting of money (integer cents), numbers and dates; parsing of what people type.

const euro = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' })

/** 8950 -> "89,50 €" (with a narrow no-break space, as French typography wants). */
export function formatCents(cents: number | null | undefined, currency = 'EUR'): string {
  if (cents === null || cents === undefined) return '—'
  if (currency !== 'EUR') {
    return new Intl.NumberFormat('fr-FR', { style: 'currency', currency }).format(cents / 100)
  }
  return euro.format(cents / 100)
}

/**
 * Parses an amount typed in euros ("89", "89,5", "1 234,56", "89.50 €") into integer cents.
 * Returns null when it is not an amount; never goes through a float for the cents.
 */
export function parseEuros(text: string): number | null {
  const cleaned = text.replace(/[\s\u00a0\u202f€]/g, '').replace(',', '.')
  const match = /^(-?)(\d+)(?:\.(\d{0,2}))?$/.exec(cleaned)
  if (!match) return null
  const [, sign, units, decimals = ''] = match
  const cents = Number(units) * 100 + Number(decimals.padEnd(2, '0'))
  if (!Number.isSafeInteger(cents)) return null
  return sign ? -cents : cents
}

/** 8950 -> "89,50" for an input field. */
export function centsToInput(cents: number): string {
  const sign = cents < 0 ? '-' : ''
  const abs = Math.abs(cents)
  return `${sign}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`
}

/** Parses a decimal typed with a comma or a dot ("7,2" -> 7.2); null when empty or not a number. */
export function parseDecimal(text: string | number | null | undefined): number | null {
  if (typeof text === 'number') return Number.isFinite(text) ? text : null
  if (text === null || text === undefined) return null
  const cleaned = text.trim().replace(/\s/g, '').replace(',', '.')
  if (cleaned === '' || !/^-?\d+(\.\d+)?$/.test(cleaned)) return null
  return Number(cleaned)
}

export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined) return '—'
  return new Intl.NumberFormat('fr-FR', { maximumFractionDigits: digits }).format(value)
}

const dateFormat = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeZone: 'Europe/Paris' })
const longDateFormat = new Intl.DateTimeFormat('fr-FR', {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  timeZone: 'Europe/Paris',
})
const dateTimeFormat = new Intl.DateTimeFormat('fr-FR', {
  dateStyle: 'short',
  timeStyle: 'short',
  timeZone: 'Europe/Paris',
})
const timeFormat = new Intl.DateTimeFormat('fr-FR', {
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'Europe/Paris',
})

/** An ISO date ("2026-05-04") as a calendar day, never shifted by the browser's time zone. */
function isoDateAtNoonUtc(iso: string): Date {
  return new Date(`${iso.slice(0, 10)}T12:00:00Z`)
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—'
  return dateFormat.format(isoDateAtNoonUtc(iso))
}

export function formatLongDate(iso: string | null | undefined): string {
  if (!iso) return '—'
  return longDateFormat.format(isoDateAtNoonUtc(iso))
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  return dateTimeFormat.format(new Date(iso))
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  return timeFormat.format(new Date(iso))
}

export function formatDistance(metres: number): string {
  return metres < 1000 ? `${metres} m` : `${formatNumber(metres / 1000, 1)} km`
}

export function formatMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  if (h === 0) return `${m} min`
  return m === 0 ? `${h} h` : `${h} h ${String(m).padStart(2, '0')}`
}
