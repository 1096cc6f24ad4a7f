import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { api, setTransport, unwrap } from '@/api/client'
import { ApiError, NetworkError } from '@/api/http'
import { installSession, SESSION_KEY, useSessionStore } from '@/stores/session'
import { FakeGateway, json, OFFICE_USER, problem, TECH_USER, tokenPair } from './fakeGateway'

let gateway: FakeGateway

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  gateway = new FakeGateway()
  setTransport(gateway.fetch)
  installSession()
})

function bearer(request: { headers: Record<string, string> }): string {
  return request.headers.authorization ?? ''
}

describe('login', () => {
  it('logs in with a password, loads the user and keeps the session', async () => {
    gateway
      .on('POST', '/auth/login', () => json(200, { tokens: tokenPair('a1', 'r1'), mfa_required: false }))
      .on('GET', '/auth/me', (r) => (bearer(r) === 'Bearer a1' ? json(200, OFFICE_USER) : problem(401, 'no')))
    const session = useSessionStore()

    expect(await session.login('bureau@example.fr', 'secret')).toBe('done')

    expect(session.isAuthenticated).toBe(true)
    expect(session.isOffice).toBe(true)
    expect(session.isTechnician).toBe(false)
    expect(session.homePath).toBe('/tableau-de-bord')
    expect(JSON.parse(localStorage.getItem(SESSION_KEY)!).tokens.refreshToken).toBe('r1')
    expect(gateway.requests[0]!.headers.authorization).toBeUndefined()
  })

  it('asks for the TOTP code, then completes with it', async () => {
    gateway
      .on('POST', '/auth/login', () => json(200, { tokens: null, mfa_required: true, mfa_token: 'm1' }))
      .on('POST', '/auth/mfa/verify', (r) =>
        (r.body as { mfa_token: string; code: string }).code === '123456'
          ? json(200, tokenPair('a2', 'r2'))
          : problem(401, 'invalid or already used code'),
      )
      .on('GET', '/auth/me', () => json(200, TECH_USER))
    const session = useSessionStore()

    expect(await session.login('tech@example.fr', 'secret')).toBe('mfa')
    expect(session.isAuthenticated).toBe(false)
    await expect(session.verifyMfa('000000')).rejects.toBeInstanceOf(ApiError)
    expect(session.isAuthenticated).toBe(false)

    await session.verifyMfa('123 456')

    expect(gateway.requests.at(-2)!.body).toEqual({ mfa_token: 'm1', code: '123456' })
    expect(session.isTechnician).toBe(true)
    expect(session.homePath).toBe('/tech')
    expect(session.mfaToken).toBeNull()
  })

  it('reports a wrong password and stays logged out', async () => {
    gateway.on('POST', '/auth/login', () => problem(401, 'invalid email or password'))
    const session = useSessionStore()

    const error = await session.login('x@example.fr', 'bad').catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(401)
    expect(session.isAuthenticated).toBe(false)
    expect(localStorage.getItem(SESSION_KEY)).toBeNull()
  })
})

async function loggedIn(): Promise<ReturnType<typeof useSessionStore>> {
  gateway
    .on('POST', '/auth/login', () => json(200, { tokens: tokenPair('old', 'r1'), mfa_required: false }))
    .on('GET', '/auth/me', () => json(200, OFFICE_USER))
  const session = useSessionStore()
  await session.login('bureau@example.fr', 'secret')
  return session
}

describe('refresh', () => {
  it('refreshes silently on a 401 and retries the request once', async () => {
    const session = await loggedIn()
    gateway
      .on('POST', '/auth/refresh', () => json(200, tokenPair('new', 'r2')))
      .on('GET', '/customers', (r) =>
        bearer(r) === 'Bearer new' ? json(200, { items: [], page: {} }) : problem(401, 'expired'),
      )

    const answer = await unwrap(api.GET('/api/v1/customers'))

    expect(answer.items).toEqual([])
    expect(gateway.count('GET', '/customers')).toBe(2)
    expect(gateway.count('POST', '/auth/refresh')).toBe(1)
    expect(session.tokens?.refreshToken).toBe('r2')
  })

  it('runs a single refresh for concurrent 401s (rotating refresh tokens)', async () => {
    await loggedIn()
    gateway
      .on('POST', '/auth/refresh', async (r) => {
        await new Promise((resolve) => setTimeout(resolve, 10))
        return (r.body as { refresh_token: string }).refresh_token === 'r1'
          ? json(200, tokenPair('new', 'r2'))
          : problem(401, 'refresh token already used; session ended')
      })
      .on('GET', '/customers', (r) => (bearer(r) === 'Bearer new' ? json(200, { items: [], page: {} }) : problem(401, 'expired')))
      .on('GET', '/contracts', (r) => (bearer(r) === 'Bearer new' ? json(200, { items: [], page: {} }) : problem(401, 'expired')))

    const [a, b] = await Promise.all([unwrap(api.GET('/api/v1/customers')), unwrap(api.GET('/api/v1/contracts'))])

    expect([a.items, b.items]).toEqual([[], []])
    expect(gateway.count('POST', '/auth/refresh')).toBe(1)
  })

  it('retries only once: a second 401 is an error, not a loop', async () => {
    await loggedIn()
    gateway
      .on('POST', '/auth/refresh', () => json(200, tokenPair('new', 'r2')))
      .on('GET', '/customers', () => problem(401, 'nope'))

    await expect(api.GET('/api/v1/customers')).rejects.toMatchObject({ status: 401 })
    expect(gateway.count('GET', '/customers')).toBe(2)
  })

  it('ends the session when the refresh token is refused', async () => {
    const session = await loggedIn()
    gateway
      .on('POST', '/auth/refresh', () => problem(401, 'session expired or ended'))
      .on('GET', '/customers', () => problem(401, 'expired'))

    await expect(api.GET('/api/v1/customers')).rejects.toBeInstanceOf(ApiError)

    expect(session.isAuthenticated).toBe(false)
    expect(session.expired).toBe(true)
    expect(localStorage.getItem(SESSION_KEY)).toBeNull()
  })

  it('keeps the session when the refresh cannot reach the server', async () => {
    const session = await loggedIn()
    gateway.on('GET', '/customers', () => problem(401, 'expired'))
    gateway.on('POST', '/auth/refresh', () => {
      throw new TypeError('Failed to fetch')
    })

    await expect(api.GET('/api/v1/customers')).rejects.toBeInstanceOf(NetworkError)

    expect(session.isAuthenticated).toBe(true)
    expect(session.tokens?.refreshToken).toBe('r1')
  })

  it('refreshes ahead of expiry instead of waiting for the 401', async () => {
    gateway
      .on('POST', '/auth/login', () => json(200, { tokens: tokenPair('short', 'r1', 10), mfa_required: false }))
      .on('GET', '/auth/me', () => json(200, OFFICE_USER))
      .on('POST', '/auth/refresh', () => json(200, tokenPair('fresh', 'r2')))
      .on('GET', '/customers', (r) => (bearer(r) === 'Bearer fresh' ? json(200, { items: [], page: {} }) : problem(401, 'expired')))
    const session = useSessionStore()
    await session.login('bureau@example.fr', 'secret')

    await api.GET('/api/v1/customers')

    expect(gateway.count('GET', '/customers')).toBe(1)
  })
})

describe('logout and roles', () => {
  it('logs out on the server and forgets the tokens', async () => {
    const session = await loggedIn()
    gateway.on('POST', '/auth/logout', () => json(204, null))

    await session.logout()

    expect(gateway.requests.at(-1)!.body).toEqual({ refresh_token: 'r1' })
    expect(session.isAuthenticated).toBe(false)
    expect(localStorage.getItem(SESSION_KEY)).toBeNull()
  })

  it('logs out locally even without network', async () => {
    const session = await loggedIn()
    gateway.offline = true

    await session.logout()

    expect(session.isAuthenticated).toBe(false)
  })

  it('restores the session saved by an earlier visit', async () => {
    await loggedIn()
    setActivePinia(createPinia())

    const restored = useSessionStore()

    expect(restored.isAuthenticated).toBe(true)
    expect(restored.user?.email).toBe(OFFICE_USER.email)
    expect(restored.hasAnyRole('bureau', 'admin')).toBe(true)
    expect(restored.hasAnyRole('admin')).toBe(false)
  })
})
