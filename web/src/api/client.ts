// The app's HTTP client, typed from the gateway's OpenAPI (schema.d.ts, generated: see
// docs/web.md). `api` sends the session's access token; `publicApi` sends none (login,
// refresh, logout). Error answers are thrown (ApiError, NetworkError), so `unwrap` gives the
// body of a success. Tokens come from the session store (bound at start-up), and the transport
// can be replaced in unit tests.
import createClient from 'openapi-fetch'
import { gatewayFetch, queryString, type FetchLike, type QueryValue, type TokenSource } from './http'
import type { components, paths } from './schema'

/** The gateway's resources by name, e.g. `Schemas['Invoice']`. */
export type Schemas = components['schemas']

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch'
type Json<T> = T extends { content: { 'application/json': infer J } } ? J : never

/**
 * The JSON body a route takes, e.g. `BodyOf<'/api/v1/customers', 'post'>`: named by its route,
 * which stays, rather than by its schema's name, which follows the gateway's code.
 */
export type BodyOf<P extends keyof paths, M extends Method> = paths[P][M] extends { requestBody?: infer B }
  ? NonNullable<Json<B>>
  : never

/** The JSON a route answers with on success, e.g. `AnswerOf<'/api/v1/me/schedule', 'get'>`. */
export type AnswerOf<P extends keyof paths, M extends Method> = paths[P][M] extends { responses: infer R }
  ? Json<R[keyof R & (200 | 201 | 202)]>
  : never

let transport: FetchLike = (input, init) => fetch(input, init)
let tokenSource: TokenSource | null = null

/** Replaces the network transport (unit tests run against an in-memory gateway). */
export function setTransport(fetchLike: FetchLike): void {
  transport = fetchLike
}

export function bindTokenSource(source: TokenSource): void {
  tokenSource = source
}

const delegatingTokens: TokenSource = {
  accessToken: () => (tokenSource ? tokenSource.accessToken() : Promise.resolve(null)),
  refreshAfterRejection: (rejected) =>
    tokenSource ? tokenSource.refreshAfterRejection(rejected) : Promise.resolve(false),
}

const options = {
  // Absolute URLs: the paths already start with /api/v1, and a Request needs an origin.
  baseUrl: globalThis.location?.origin ?? 'http://localhost',
  querySerializer: (query: Record<string, unknown>) => queryString(query as Record<string, QueryValue>),
}

export const api = createClient<paths>({ ...options, fetch: gatewayFetch(() => transport, delegatingTokens) })
export const publicApi = createClient<paths>({ ...options, fetch: gatewayFetch(() => transport, null) })

/** The body of a successful answer (error answers were already thrown by the transport). */
export async function unwrap<T>(pending: Promise<{ data?: T; response: Response }>): Promise<T> {
  return (await pending).data as T
}

/** The Idempotency-Key header: the gateway replays its stored answer to a repeated POST. */
export function idempotent(key: string): { headers: { 'Idempotency-Key': string } } {
  return { headers: { 'Idempotency-Key': key } }
}
