// An in-memory stand-in for the gateway's HTTP answers, for unit tests of the stores: routes
// are functions of the request; every request is recorded.
import type { FetchLike } from '@/api/http'

export interface Recorded {
  method: string
  path: string
  headers: Record<string, string>
  body: unknown
}

export type Handler = (request: Recorded) => Response | Promise<Response>

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: {
      'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
      ...headers,
    },
  })
}

export function problem(status: number, detail: string, errors?: Record<string, string>): Response {
  return json(status, { type: 'about:blank', title: 'Error', status, detail, errors })
}

export class FakeGateway {
  readonly requests: Recorded[] = []
  private routes = new Map<string, Handler>()
  /** When set, every request fails as if the network were down. */
  offline = false

  on(method: string, path: string, handler: Handler): this {
    this.routes.set(`${method} ${path}`, handler)
    return this
  }

  count(method: string, path: string): number {
    return this.requests.filter((r) => r.method === method && r.path === path).length
  }

  readonly fetch: FetchLike = async (input, init) => {
    if (this.offline) throw new TypeError('Failed to fetch')
    const url = new URL(input, 'http://localhost')
    const path = url.pathname.replace(/^\/api\/v1/, '')
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((value, key) => (headers[key] = value))
    const request: Recorded = {
      method: init.method ?? 'GET',
      path,
      headers,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    }
    this.requests.push(request)
    const handler = this.routes.get(`${request.method} ${path}`)
    if (!handler) return problem(404, `no route ${request.method} ${path}`)
    return handler(request)
  }
}

export function tokenPair(access: string, refresh: string, expiresIn = 900) {
  return {
    access_token: access,
    token_type: 'Bearer',
    expires_in: expiresIn,
    refresh_token: refresh,
    refresh_expires_in: 86400,
  }
}

export const OFFICE_USER = {
  id: 'u-office',
  email: 'bureau@example.fr',
  display_name: 'Claire Bureau',
  roles: ['bureau'],
  active: true,
  totp_enabled: false,
}

export const TECH_USER = {
  id: 'u-tech',
  email: 'tech@example.fr',
  display_name: 'Marc Technicien',
  roles: ['technicien'],
  active: true,
  totp_enabled: true,
}
