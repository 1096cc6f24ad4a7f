// Last answers kept on the phone so a technician can open the day's route and a visit without
// network. Keyed per user; stale data is shown with its date.
export interface Cached<T> {
  savedAt: string
  value: T
}

const PREFIX = 'aquaerp.cache.'

export function saveCached<T>(userId: string, key: string, value: T): void {
  try {
    const entry: Cached<T> = { savedAt: new Date().toISOString(), value }
    localStorage.setItem(`${PREFIX}${userId}.${key}`, JSON.stringify(entry))
  } catch {
    // Storage full: the app works online without the cache.
  }
}

export function readCached<T>(userId: string, key: string): Cached<T> | null {
  try {
    const raw = localStorage.getItem(`${PREFIX}${userId}.${key}`)
    return raw ? (JSON.parse(raw) as Cached<T>) : null
  } catch {
    return null
  }
}

export function dropCached(userId: string, key: string): void {
  localStorage.removeItem(`${PREFIX}${userId}.${key}`)
}
