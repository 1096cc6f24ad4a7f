// The logged-in user and their tokens: login with an optional TOTP step, silent refresh (one at a
// time: refresh tokens rotate and a reused one ends the session), logout. Kept in localStorage so
// a technician's phone stays logged in and can open the app without network.
import { defineStore } from 'pinia'
import { api, bindTokenSource, publicApi, unwrap, type Schemas } from '@/api/client'
import { ApiError } from '@/api/http'

type User = Schemas['User']
type TokenPair = Schemas['TokenPair']
export type RoleName = User['roles'][number]

export const SESSION_KEY = 'aquaerp.session'
/** Refresh this long before the access token expires, so requests rarely meet a 401. */
const REFRESH_MARGIN_MS = 30_000

export const OFFICE_ROLES: RoleName[] = ['admin', 'bureau', 'compta']

interface Tokens {
  accessToken: string
  accessExpiresAt: number
  refreshToken: string
  refreshExpiresAt: number
}

interface StoredSession {
  tokens: Tokens
  user: User | null
}

function readStored(): StoredSession | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY)
    return raw ? (JSON.parse(raw) as StoredSession) : null
  } catch {
    return null
  }
}

function toTokens(pair: TokenPair, now = Date.now()): Tokens {
  return {
    accessToken: pair.access_token,
    accessExpiresAt: now + pair.expires_in * 1000,
    refreshToken: pair.refresh_token,
    refreshExpiresAt: now + pair.refresh_expires_in * 1000,
  }
}

let refreshing: Promise<boolean> | null = null

export const useSessionStore = defineStore('session', {
  state: () => {
    const stored = readStored()
    return {
      tokens: stored?.tokens ?? (null as Tokens | null),
      user: stored?.user ?? (null as User | null),
      /** Set between the password step and the TOTP step. */
      mfaToken: null as string | null,
      /** The session ended on its own (refresh refused): the login page says so. */
      expired: false,
    }
  },
  getters: {
    isAuthenticated: (state) => state.tokens !== null && state.user !== null,
    roles: (state): RoleName[] => state.user?.roles ?? [],
    isOffice(): boolean {
      return this.roles.some((role) => OFFICE_ROLES.includes(role))
    },
    isTechnician(): boolean {
      return this.roles.includes('technicien')
    },
    isAdmin(): boolean {
      return this.roles.includes('admin')
    },
    /** Where a user lands after login: technicians on their day, office staff on the dashboard. */
    homePath(): string {
      if (this.isOffice) return '/tableau-de-bord'
      if (this.isTechnician) return '/tech'
      return '/compte'
    },
  },
  actions: {
    hasAnyRole(...roles: RoleName[]): boolean {
      return roles.length === 0 || this.roles.some((role) => roles.includes(role))
    },

    persist(): void {
      if (this.tokens) {
        const stored: StoredSession = { tokens: this.tokens, user: this.user }
        localStorage.setItem(SESSION_KEY, JSON.stringify(stored))
      } else {
        localStorage.removeItem(SESSION_KEY)
      }
    },

    /** Password step. Returns 'mfa' when a TOTP code is needed next. */
    async login(email: string, password: string): Promise<'done' | 'mfa'> {
      this.expired = false
      const result = await unwrap(
        publicApi.POST('/api/v1/auth/login', { body: { email: email.trim(), password } }),
      )
      if (result.mfa_required && result.mfa_token) {
        this.mfaToken = result.mfa_token
        return 'mfa'
      }
      if (!result.tokens) throw new Error('réponse de connexion inattendue')
      await this.start(result.tokens)
      return 'done'
    },

    /** TOTP step. */
    async verifyMfa(code: string): Promise<void> {
      if (!this.mfaToken) throw new Error('aucune connexion en cours')
      const pair = await unwrap(
        publicApi.POST('/api/v1/auth/mfa/verify', {
          body: { mfa_token: this.mfaToken, code: code.replace(/\s+/g, '') },
        }),
      )
      this.mfaToken = null
      await this.start(pair)
    },

    cancelMfa(): void {
      this.mfaToken = null
    },

    async start(pair: TokenPair): Promise<void> {
      this.tokens = toTokens(pair)
      this.user = null
      this.persist()
      try {
        await this.loadUser()
      } catch (error) {
        this.clear()
        throw error
      }
    },

    async loadUser(): Promise<User> {
      const user = await unwrap(api.GET('/api/v1/auth/me'))
      this.user = user
      this.persist()
      return user
    },

    /** Exchanges the refresh token; only one exchange runs at a time. */
    refresh(): Promise<boolean> {
      if (!refreshing) {
        refreshing = this.exchangeRefreshToken().finally(() => {
          refreshing = null
        })
      }
      return refreshing
    },

    async exchangeRefreshToken(): Promise<boolean> {
      const current = this.tokens
      if (!current) return false
      try {
        const pair = await unwrap(
          publicApi.POST('/api/v1/auth/refresh', { body: { refresh_token: current.refreshToken } }),
        )
        this.tokens = toTokens(pair)
        this.persist()
        return true
      } catch (error) {
        // Refused: the session is over. Unreachable: keep the tokens and let the caller retry.
        if (error instanceof ApiError && error.status < 500 && error.status !== 429) {
          this.clear()
          this.expired = true
          return false
        }
        throw error
      }
    },

    async accessToken(): Promise<string | null> {
      const tokens = this.tokens
      if (!tokens) return null
      if (tokens.accessExpiresAt - Date.now() < REFRESH_MARGIN_MS) {
        try {
          await this.refresh()
        } catch {
          // No network: send the current token; the 401 path handles it when back online.
        }
      }
      return this.tokens?.accessToken ?? null
    },

    async refreshAfterRejection(rejected: string): Promise<boolean> {
      if (!this.tokens) return false
      // Another request (or tab) already replaced the rejected token.
      if (this.tokens.accessToken !== rejected) return true
      return this.refresh()
    },

    /** Another tab logged in, refreshed or logged out. */
    syncFromStorage(): void {
      const stored = readStored()
      this.tokens = stored?.tokens ?? null
      this.user = stored?.user ?? null
    },

    async logout(): Promise<void> {
      const tokens = this.tokens
      this.clear()
      if (tokens) {
        try {
          await publicApi.POST('/api/v1/auth/logout', { body: { refresh_token: tokens.refreshToken } })
        } catch {
          // Already logged out here; the refresh token expires on its own if unreachable.
        }
      }
    },

    clear(): void {
      this.tokens = null
      this.user = null
      this.mfaToken = null
      this.persist()
    },
  },
})

/** Connects the HTTP client to the session and keeps tabs in step. Called once at start-up. */
export function installSession(): ReturnType<typeof useSessionStore> {
  const session = useSessionStore()
  bindTokenSource({
    accessToken: () => session.accessToken(),
    refreshAfterRejection: (rejected) => session.refreshAfterRejection(rejected),
  })
  if (typeof window !== 'undefined') {
    window.addEventListener('storage', (event) => {
      if (event.key === SESSION_KEY) session.syncFromStorage()
    })
  }
  return session
}
