// What the signed-in user may do, from `/api/v1/auth/me` (their roles): which menu entries and
// blocks to show. No download of the API's OpenAPI document: a route the server does not serve
// is reported by the screen that calls it.
import { defineStore } from 'pinia'
import type { paths } from '@/api/schema'
import { useSessionStore, type RoleName } from '@/stores/session'

/** A route of the gateway's API, e.g. `GET /api/v1/invoices` (checked against its types). */
export type ApiRoute = `${'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH'} ${keyof paths}`

const OFFICE: RoleName[] = ['admin', 'bureau', 'compta']
const MANAGERS: RoleName[] = ['admin', 'bureau']
const ACCOUNTING: RoleName[] = ['admin', 'compta']

/** The roles the gateway lets through on the routes screens depend on (the protos' `allow`). */
const ROUTE_ROLES: Partial<Record<ApiRoute, RoleName[]>> = {
  'GET /api/v1/customers': OFFICE,
  'GET /api/v1/contracts': OFFICE,
  'GET /api/v1/planning': MANAGERS,
  'GET /api/v1/interventions': OFFICE,
  'POST /api/v1/interventions': MANAGERS,
  'GET /api/v1/technicians': MANAGERS,
  'GET /api/v1/invoices': OFFICE,
  'GET /api/v1/customers/{customer_id}/balance': OFFICE,
  'POST /api/v1/billing-runs': ACCOUNTING,
  'GET /api/v1/dunning/letters': ACCOUNTING,
  'GET /api/v1/receivables/aging': ACCOUNTING,
  'GET /api/v1/emails': OFFICE,
  'GET /api/v1/workflows/runs': OFFICE,
  'GET /api/v1/users': ['admin'],
}

export const useCapabilities = defineStore('capabilities', {
  state: () => ({ loaded: false }),
  actions: {
    /** Makes sure the user's roles are known (from `/api/v1/auth/me`, once per session). */
    async load(): Promise<void> {
      if (this.loaded) return
      const session = useSessionStore()
      if (!session.user && session.isAuthenticated) {
        try {
          await session.loadUser()
        } catch {
          // Unknown: each screen reports its own errors.
        }
      }
      this.loaded = true
    },
    /** `has('GET /api/v1/invoices')`: the user's roles allow the route. */
    has(route: ApiRoute): boolean {
      const allowed = ROUTE_ROLES[route]
      return !allowed || useSessionStore().hasAnyRole(...allowed)
    },
  },
})
