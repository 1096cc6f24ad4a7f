import { beforeEach, describe, expect, it } from 'vitest'
import { setTransport } from '@/api/client'
import type { Product } from '@/api/stock'
import { loadCatalogue, searchCatalogue } from '@/lib/catalogueCache'
import { FakeGateway, json } from './fakeGateway'

function product(id: string, code: string, label: string, ean = '', archived = false): Product {
  return {
    id,
    product: { code, label, ean, archived, family: 'chemical', unit_of_sale: 'kg', billable: true },
    current_price_cents: 1290,
    prices: [],
  } as unknown as Product
}

const ITEMS = [
  product('p-1', 'CHL-CHOC-5', 'Chlore choc granulés – seau 5 kg', '3760000000011'),
  product('p-2', 'PH-MOINS', 'pH moins poudre', '3760000000028'),
  product('p-3', 'CHL-OLD', 'Chlore ancien', '', true),
]

let gateway: FakeGateway

beforeEach(() => {
  localStorage.clear()
  gateway = new FakeGateway()
  setTransport(gateway.fetch)
})

describe('catalogue on the phone', () => {
  it('finds items by code, label words (accents ignored) or EAN, never archived ones', () => {
    expect(searchCatalogue(ITEMS, 'chl').map((p) => p.id)).toEqual(['p-1'])
    expect(searchCatalogue(ITEMS, 'granules seau').map((p) => p.id)).toEqual(['p-1'])
    expect(searchCatalogue(ITEMS, '3760000000028').map((p) => p.id)).toEqual(['p-2'])
    expect(searchCatalogue(ITEMS, '  ')).toEqual([])
  })

  it('keeps the last catalogue and serves it with its date when the network is down', async () => {
    gateway.on('GET', '/stock/products', () => json(200, { items: ITEMS, next_page_token: '' }))
    const online = await loadCatalogue('u-1')
    expect(online.cachedAt).toBeNull()
    expect(online.items).toHaveLength(3)
    gateway.offline = true
    const offline = await loadCatalogue('u-1')
    expect(offline.cachedAt).not.toBeNull()
    expect(offline.items.map((p) => p.id)).toEqual(['p-1', 'p-2', 'p-3'])
    // Another user on the same phone has no copy.
    await expect(loadCatalogue('u-2')).rejects.toThrow()
  })
})
