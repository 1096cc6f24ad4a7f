// Which API routes this gateway serves (from its OpenAPI document), so that screens whose
// backend is not deployed are shown as unavailable instead of failing.
import { defineStore } from 'pinia'

interface OpenApiDocument {
  paths?: Record<string, Record<string, unknown>>
}

export const useCapabilities = defineStore('capabilities', {
  state: () => ({ routes: new Set<string>(), loaded: false, failed: false }),
  actions: {
    async load(): Promise<void> {
      if (this.loaded) return
      try {
        const response = await fetch('/openapi.json', { cache: 'no-store' })
        if (!response.ok) throw new Error(String(response.status))
        const document = (await response.json()) as OpenApiDocument
        const routes = new Set<string>()
        for (const [path, operations] of Object.entries(document.paths ?? {})) {
          for (const method of Object.keys(operations)) routes.add(`${method.toUpperCase()} ${path}`)
        }
        this.routes = routes
        this.failed = false
      } catch {
        // Unknown: assume everything is there and let each screen report its own errors.
        this.failed = true
      }
      this.loaded = true
    },
    /** `has('GET /api/v1/invoices')`; true while unknown. */
    has(route: string): boolean {
      return this.failed || !this.loaded || this.routes.has(route)
    },
  },
})
