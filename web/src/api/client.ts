// The app's one HTTP client. Its tokens come from the session store (bound at start-up), and its
// transport can be replaced in unit tests.
import { HttpClient, type FetchLike, type TokenSource } from './http'

export const API_BASE = '/api/v1'

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

export const api = new HttpClient(API_BASE, delegatingTokens, (input, init) =>
  transport(input, init),
)
