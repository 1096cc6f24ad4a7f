// Stock calls and French labels shared by the stock screens (catalogue, levels, inventory).
import { api, unwrap, type Schemas } from './client'

export type Product = Schemas['Product']
export type StockLocation = Schemas['Location']
export type StockLevel = Schemas['StockLevel']
export type Family = NonNullable<Schemas['ProductInput-Input']['family']>
export type MovementKind = Schemas['MovementInput-Input']['kind']

export const FAMILY_LABELS: Record<Family, string> = {
  chemical: 'Produit chimique',
  part: 'Pièce détachée',
  equipment: 'Équipement',
  labour: "Main-d'œuvre",
  service: 'Prestation',
}

export const DOSING_LABELS: Record<string, string> = {
  ph_up: 'Remonte le pH',
  ph_down: 'Baisse le pH',
  alkalinity_up: 'Remonte le TAC',
  hardness_up: 'Remonte le TH',
  sanitiser: 'Désinfectant',
  stabiliser: 'Stabilisant',
  shock: 'Traitement choc',
  flocculant: 'Floculant',
  algaecide: 'Anti-algues',
}

export const MOVEMENT_LABELS: Record<MovementKind, string> = {
  receipt: 'Réception fournisseur',
  transfer: 'Transfert',
  consumption: 'Consommation (visite)',
  return: 'Retour en stock',
  adjustment: 'Ajustement',
  loss: 'Perte',
}

/** The notice once a movement is recorded. */
export const MOVEMENT_DONE: Record<MovementKind, string> = {
  receipt: 'Réception enregistrée',
  transfer: 'Transfert enregistré',
  consumption: 'Consommation enregistrée',
  return: 'Retour enregistré',
  adjustment: 'Ajustement enregistré',
  loss: 'Perte enregistrée',
}

/** Every warehouse and van the user may see, warehouses first. */
export async function fetchLocations(): Promise<StockLocation[]> {
  return (await unwrap(api.GET('/api/v1/stock/locations', {}))).items
}

/** Catalogue items (not archived) matching `q`, by code; the first 500 are enough for a picker. */
export async function fetchProducts(q = ''): Promise<Product[]> {
  return (await unwrap(api.GET('/api/v1/stock/products', { params: { query: { q: q || undefined, page_size: 500 } } }))).items
}

/** Stock on hand of one location (or of every location), by location then product code. */
export async function fetchLevels(locationId: string): Promise<StockLevel[]> {
  return (await unwrap(api.GET('/api/v1/stock/on-hand', { params: { query: { location_id: locationId || undefined } } }))).items
}

export function locationLabel(location: StockLocation): string {
  const kind = location.location?.kind === 'van' ? 'Véhicule' : 'Dépôt'
  return `${location.location?.name ?? ''} (${kind}, ${location.location?.code ?? ''})`
}

/** The units a quantity of this item may be typed in: unit of stock first, then unit of sale. */
export function unitsOf(product: Product | undefined): string[] {
  const input = product?.product
  if (!input) return []
  return [...new Set([input.unit_of_stock || input.unit_of_sale, input.unit_of_sale])]
}
