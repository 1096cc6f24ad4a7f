// HTTP to the gateway: JSON in and out, problem+json errors as ApiError, bearer token with one
// silent refresh and retry on 401, Idempotency-Key on request.

export interface Problem {
  type?: string
  title?: string
  status: number
  detail?: string
  errors?: Record<string, string>
  request_id?: string
}

/** The gateway answered with an error (application/problem+json). */
export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem

  constructor(problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`)
    this.name = 'ApiError'
    this.status = problem.status
    this.problem = problem
  }

  /** Field errors keyed by the field's path, e.g. `measurements.ph` or `lines.0.label`. */
  get fieldErrors(): Record<string, string> {
    return this.problem.errors ?? {}
  }
}

/** The gateway could not be reached (no network, server down): the request may be retried. */
export class NetworkError extends Error {
  constructor(cause?: unknown) {
    super('Connexion au serveur impossible')
    this.name = 'NetworkError'
    this.cause = cause
  }
}

export interface TokenSource {
  /** The access token to send, or null when logged out. Refreshes it first when about to expire. */
  accessToken(): Promise<string | null>
  /** Gets a new access token after a 401; false when the session is over. */
  refreshAfterRejection(rejected: string): Promise<boolean>
}

export type Query = Record<string, string | number | boolean | string[] | null | undefined>

export interface RequestOptions {
  query?: Query
  body?: unknown
  idempotencyKey?: string
  /** Send the access token (default true). */
  auth?: boolean
  /** How to read a successful response (default json). */
  as?: 'json' | 'blob' | 'none'
  signal?: AbortSignal
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

export function queryString(query: Query | undefined): string {
  if (!query) return ''
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    if (Array.isArray(value)) value.forEach((item) => params.append(key, item))
    else params.append(key, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

async function readProblem(response: Response): Promise<Problem> {
  const type = response.headers.get('content-type') ?? ''
  if (type.includes('json')) {
    try {
      const body = (await response.json()) as Partial<Problem> & { detail?: unknown }
      const detail = typeof body.detail === 'string' ? body.detail : undefined
      return { ...body, detail, status: response.status }
    } catch {
      // fall through: an unreadable body is reported by its status alone
    }
  }
  return { status: response.status, title: response.statusText }
}

export class HttpClient {
  constructor(
    private readonly baseUrl: string,
    private readonly tokens: TokenSource | null,
    private readonly fetchImpl: FetchLike = (input, init) => fetch(input, init),
  ) {}

  get<T>(path: string, query?: Query, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, { ...options, query })
  }

  post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body })
  }

  put<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body })
  }

  patch<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body })
  }

  delete<T = void>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, { ...options, as: options.as ?? 'none' })
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const useAuth = options.auth !== false && this.tokens !== null
    let token = useAuth ? await this.tokens!.accessToken() : null
    let response = await this.send(method, path, options, token)
    if (response.status === 401 && useAuth && token) {
      // The access token expired or was revoked: refresh once, then retry once.
      if (await this.tokens!.refreshAfterRejection(token)) {
        token = await this.tokens!.accessToken()
        response = await this.send(method, path, options, token)
      }
    }
    if (!response.ok) throw new ApiError(await readProblem(response))
    const as = options.as ?? 'json'
    if (as === 'none' || response.status === 204) return undefined as T
    if (as === 'blob') return (await response.blob()) as T
    return (await response.json()) as T
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions,
    token: string | null,
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (token) headers.Authorization = `Bearer ${token}`
    if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey
    let body: string | undefined
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json'
      body = JSON.stringify(options.body)
    }
    try {
      return await this.fetchImpl(this.baseUrl + path + queryString(options.query), {
        method,
        headers,
        body,
        signal: options.signal,
        credentials: 'omit',
        cache: 'no-store',
      })
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error
      throw new NetworkError(error)
    }
  }
}
