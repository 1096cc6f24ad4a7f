// The office navigation: each entry with the roles that see it and the API route it needs.
import type { ApiRoute } from '@/stores/capabilities'
import type { RoleName } from '@/stores/session'

export interface NavEntry {
  to: string
  label: string
  icon: string
  roles: RoleName[]
  /** API route the screen relies on; without it the entry is shown as unavailable. */
  requires?: ApiRoute
}

export interface NavGroup {
  label: string
  entries: NavEntry[]
}

const OFFICE: RoleName[] = ['admin', 'bureau', 'compta']
const MANAGERS: RoleName[] = ['admin', 'bureau']

export const NAVIGATION: NavGroup[] = [
  {
    label: 'Pilotage',
    entries: [{ to: '/tableau-de-bord', label: 'Tableau de bord', icon: '◧', roles: OFFICE }],
  },
  {
    label: 'Clients',
    entries: [
      { to: '/clients', label: 'Clients', icon: '☺', roles: OFFICE, requires: 'GET /api/v1/customers' },
      { to: '/contrats', label: 'Contrats', icon: '▤', roles: OFFICE, requires: 'GET /api/v1/contracts' },
      { to: '/import', label: 'Import', icon: '⇩', roles: MANAGERS, requires: 'POST /api/v1/imports' },
    ],
  },
  {
    label: 'Terrain',
    entries: [
      { to: '/planning', label: 'Planning', icon: '▦', roles: MANAGERS, requires: 'GET /api/v1/planning' },
      { to: '/interventions', label: 'Interventions', icon: '⚒', roles: OFFICE, requires: 'GET /api/v1/interventions' },
      { to: '/interventions/nouvelle', label: 'Nouveau dépannage', icon: '✚', roles: MANAGERS, requires: 'POST /api/v1/interventions' },
      { to: '/techniciens', label: 'Techniciens', icon: '☻', roles: MANAGERS, requires: 'GET /api/v1/technicians' },
      { to: '/qualite-eau', label: "Qualité de l'eau", icon: '≈', roles: MANAGERS, requires: 'PUT /api/v1/water-targets' },
      { to: '/modeles-checklist', label: 'Modèles de checklist', icon: '☑', roles: MANAGERS, requires: 'GET /api/v1/checklist-templates' },
      { to: '/carnets-sanitaires', label: 'Carnets sanitaires', icon: '✎', roles: OFFICE, requires: 'GET /api/v1/sites/{site_id}/logbook' },
      { to: '/carnet-sanitaire', label: 'Saisir un relevé', icon: '✚', roles: ['client', 'admin', 'bureau'], requires: 'POST /api/v1/installations/{installation_id}/logbook' },
      { to: '/photometres', label: 'Photomètres', icon: '◎', roles: MANAGERS, requires: 'GET /api/v1/photometers' },
    ],
  },
  {
    label: 'Stock',
    entries: [
      { to: '/stock/catalogue', label: 'Catalogue', icon: '▣', roles: OFFICE, requires: 'GET /api/v1/stock/products' },
      { to: '/stock', label: 'Niveaux de stock', icon: '▥', roles: OFFICE, requires: 'GET /api/v1/stock/on-hand' },
      { to: '/stock/reapprovisionnement', label: 'Réapprovisionnement', icon: '⇪', roles: MANAGERS, requires: 'GET /api/v1/stock/loading' },
      { to: '/stock/rapports', label: 'Rapports de stock', icon: '∑', roles: OFFICE, requires: 'GET /api/v1/stock/reports/consumption' },
      { to: '/stock/emplacements', label: 'Dépôts et véhicules', icon: '⌂', roles: MANAGERS, requires: 'GET /api/v1/stock/locations' },
      { to: '/stock/inventaire', label: 'Inventaire', icon: '☑', roles: MANAGERS, requires: 'POST /api/v1/stock/locations/{location_id}/inventory-counts' },
    ],
  },
  {
    label: 'Facturation',
    entries: [
      { to: '/factures', label: 'Factures', icon: '€', roles: OFFICE, requires: 'GET /api/v1/invoices' },
      { to: '/factures/a-valider', label: 'À valider', icon: '✓', roles: OFFICE, requires: 'GET /api/v1/invoices' },
      { to: '/facturation', label: 'Facturation des contrats', icon: '↻', roles: ['admin', 'compta'], requires: 'POST /api/v1/billing-runs' },
      { to: '/relances', label: 'Relances', icon: '✉', roles: ['admin', 'compta'], requires: 'GET /api/v1/dunning/letters' },
      { to: '/balance', label: 'Balance âgée', icon: '≡', roles: ['admin', 'compta'], requires: 'GET /api/v1/receivables/aging' },
    ],
  },
  {
    label: 'Suivi',
    entries: [
      { to: '/emails', label: 'E-mails', icon: '@', roles: OFFICE, requires: 'GET /api/v1/emails' },
      { to: '/workflows', label: 'Workflows', icon: '⇄', roles: OFFICE, requires: 'GET /api/v1/workflows/runs' },
    ],
  },
  {
    label: 'Administration',
    entries: [
      { to: '/utilisateurs', label: 'Utilisateurs', icon: '⚙', roles: ['admin'], requires: 'GET /api/v1/users' },
      { to: '/cles-api', label: "Clés d'API", icon: '⚿', roles: ['admin'], requires: 'GET /api/v1/api-keys' },
      { to: '/journal', label: "Journal d'audit", icon: '☰', roles: ['admin'], requires: 'GET /api/v1/audit-events' },
    ],
  },
]

/** The groups and entries a user with these roles sees. */
export function navigationFor(roles: RoleName[]): NavGroup[] {
  return NAVIGATION.map((group) => ({
    label: group.label,
    entries: group.entries.filter((entry) => entry.roles.some((role) => roles.includes(role))),
  })).filter((group) => group.entries.length > 0)
}
