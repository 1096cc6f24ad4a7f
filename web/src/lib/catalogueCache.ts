// The catalogue kept on the phone, so the technician can pick products with no network. Fetched
// whenever the network allows and kept with its date, like the day's route (offlineCache).
import { fetchProducts, type Product } from '@/api/stock'
import { NetworkError } from '@/api/http'
import { readCached, saveCached } from './offlineCache'

const KEY = 'catalogue'

export interface Catalogue {
  items: Product[]
  /** When the copy shown was saved; null when fresh from the server. */
  cachedAt: string | null
}

/** The catalogue from the server when reachable, else the copy on the phone (empty when none). */
export async function loadCatalogue(userId: string): Promise<Catalogue> {
  try {
    const items = await fetchProducts()
    saveCached(userId, KEY, items)
    return { items, cachedAt: null }
  } catch (error) {
    const cached = readCached<Product[]>(userId, KEY)
    if (error instanceof NetworkError && cached) return { items: cached.value, cachedAt: cached.savedAt }
    throw error
  }
}

/** Items matching every word of `query` in their code, label or EAN (accents and case ignored). */
export function searchCatalogue(items: Product[], query: string, limit = 8): Product[] {
  const words = fold(query).split(/\s+/).filter(Boolean)
  if (words.length === 0) return []
  return items
    .filter((item) => {
      const p = item.product
      if (!p || p.archived) return false
      const text = fold(`${p.code} ${p.label} ${p.ean ?? ''}`)
      return words.every((word) => text.includes(word))
    })
    .slice(0, limit)
}

function fold(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
}
