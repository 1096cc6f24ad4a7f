import { beforeEach, describe, expect, it } from 'vitest'
import { api, idempotent, publicApi, setTransport, unwrap } from '@/api/client'
import { ApiError } from '@/api/http'
import { FakeGateway, json, problem } from './fakeGateway'

let gateway: FakeGateway
let urls: string[]

beforeEach(() => {
  gateway = new FakeGateway()
  urls = []
  setTransport((input, init) => {
    urls.push(new URL(input).pathname + new URL(input).search)
    return gateway.fetch(input, init)
  })
})

describe('typed client', () => {
  it('repeats list filters and leaves empty ones out of the query', async () => {
    gateway.on('GET', '/invoices', () => json(200, { items: [], page: {} }))

    await api.GET('/api/v1/invoices', {
      params: { query: { status: ['issued', 'partially_paid'], q: '', type: undefined, page_size: 10 } },
    })

    expect(urls).toEqual(['/api/v1/invoices?status=issued&status=partially_paid&page_size=10'])
  })

  it('fills path parameters, encoded', async () => {
    gateway.on('GET', '/invoices/a%2Fb', () => json(200, { id: 'a/b' }))

    const invoice = await unwrap(api.GET('/api/v1/invoices/{invoice_id}', { params: { path: { invoice_id: 'a/b' } } }))

    expect(invoice.id).toBe('a/b')
  })

  it('sends the JSON body and the Idempotency-Key', async () => {
    gateway.on('POST', '/dunning/runs', () => json(200, { letters: [], as_of: '2026-05-04' }))

    await api.POST('/api/v1/dunning/runs', { body: { as_of: '2026-05-04' }, ...idempotent('k-1') })

    const sent = gateway.requests[0]!
    expect(sent.body).toEqual({ as_of: '2026-05-04' })
    expect(sent.headers['idempotency-key']).toBe('k-1')
    expect(sent.headers['content-type']).toBe('application/json')
  })

  it('throws the problem+json answer as ApiError with its field errors', async () => {
    gateway.on('POST', '/auth/login', () => problem(422, 'invalid body', { email: 'not an email' }))

    const error = await publicApi
      .POST('/api/v1/auth/login', { body: { email: 'x', password: 'y' } })
      .catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(422)
    expect((error as ApiError).fieldErrors).toEqual({ email: 'not an email' })
  })

  it('reads a file as a blob', async () => {
    gateway.on('GET', '/invoices/i-1/pdf', () => new Response('%PDF-1.7', { headers: { 'content-type': 'application/pdf' } }))

    const blob = await unwrap(api.GET('/api/v1/invoices/{invoice_id}/pdf', { params: { path: { invoice_id: 'i-1' } }, parseAs: 'blob' }))

    expect(await blob.text()).toBe('%PDF-1.7')
  })
})
