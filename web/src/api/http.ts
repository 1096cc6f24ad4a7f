// The transport under the typed client (client.ts): problem+json errors as ApiError, network
// failures as NetworkError, bearer token with one silent refresh and retry on 401.

export interface Problem {
  type?: string
  title?: string
  status: number
  detail?: string
  errors?: Record<string, string>
  request_id?: string
  /** Stable error code from the service (e.g. `assignment.missing_skill`), worded by errors-fr. */
  code?: string
  /** The code's parameters, e.g. `{ skill: 'spa' }`. */
  params?: Record<string, string>
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

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

export type QueryValue = string | number | boolean | readonly (string | number)[] | null | undefined

/** Query string without its `?`: empty, null and undefined values are left out (no filter). */
export function queryString(query: Record<string, QueryValue> | undefined): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue
    if (Array.isArray(value)) value.forEach((item) => params.append(key, String(item)))
    else params.append(key, String(value))
  }
  return params.toString()
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

/**
 * A `fetch` for openapi-fetch: sends its Request through `transport` with the access token
 * (when `tokens` is given), refreshes once and retries once on 401, and throws ApiError for an
 * error answer and NetworkError when the gateway is unreachable, so callers only see successes.
 */
export function gatewayFetch(
  transport: () => FetchLike,
  tokens: TokenSource | null,
): (request: Request) => Promise<Response> {
  return async (request) => {
    // Read once: the retry after a refresh sends the same body.
    const body = request.body === null ? undefined : await request.text()
    const send = async (token: string | null): Promise<Response> => {
      const headers: Record<string, string> = { Accept: 'application/json' }
      request.headers.forEach((value, key) => (headers[key] = value))
      if (token) headers.Authorization = `Bearer ${token}`
      try {
        return await transport()(request.url, {
          method: request.method,
          headers,
          body,
          signal: request.signal,
          credentials: 'omit',
          cache: 'no-store',
        })
      } catch (error) {
        if (error instanceof DOMException && error.name === 'AbortError') throw error
        throw new NetworkError(error)
      }
    }
    let token = tokens ? await tokens.accessToken() : null
    let response = await send(token)
    if (response.status === 401 && tokens && token) {
      // The access token expired or was revoked: refresh once, then retry once.
      if (await tokens.refreshAfterRejection(token)) {
        token = await tokens.accessToken()
        response = await send(token)
      }
    }
    if (!response.ok) throw new ApiError(await readProblem(response))
    return response
  }
}
