import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { setTransport } from '@/api/client'
import { installSession, useSessionStore } from '@/stores/session'
import { OUTBOX_KEY, useReportOutbox, type Submission } from '@/stores/reportOutbox'
import { FakeGateway, json, problem, TECH_USER, tokenPair } from './fakeGateway'

let gateway: FakeGateway

const SUBMISSION: Submission = {
  userId: TECH_USER.id,
  interventionId: 'i-1',
  label: 'Villa Les Pins',
  start: null,
  report: { measurements: { ph: 7.4 }, actions: ['Brossage'], parts: [], notes: '' },
  completion: {
    technician_signature: { signer_name: 'Marc', signed_at: '2026-05-04T10:00:00+02:00', png_base64: 'iVBORw0KGgo=' },
    customer_signature: null,
    customer_absent: true,
    customer_absence_reason: 'absent',
    completed_at: '2026-05-04T10:00:00+02:00',
  },
}

beforeEach(async () => {
  localStorage.clear()
  setActivePinia(createPinia())
  gateway = new FakeGateway()
  setTransport(gateway.fetch)
  installSession()
  gateway
    .on('POST', '/auth/login', () => json(200, { tokens: tokenPair('a1', 'r1'), mfa_required: false }))
    .on('GET', '/auth/me', () => json(200, TECH_USER))
  await useSessionStore().login('tech@example.fr', 'secret')
})

/** A gateway that completes an intervention once and replays its answer for the same key. */
function serverCompletingOnce() {
  const state = { status: 'in_progress', completions: 0, keys: new Map<string, Response>() }
  gateway
    .on('PUT', '/interventions/i-1/report', () =>
      state.status === 'in_progress' ? json(200, { id: 'i-1' }) : problem(409, 'start the intervention before reporting'),
    )
    .on('POST', '/interventions/i-1/complete', (request) => {
      const key = request.headers['idempotency-key'] ?? ''
      if (key && state.keys.has(key)) return json(200, { id: 'i-1', status: 'completed' }, { 'idempotent-replayed': 'true' })
      if (state.status !== 'in_progress') return problem(409, 'start the intervention before completing it')
      state.status = 'completed'
      state.completions += 1
      const answer = json(200, { id: 'i-1', status: 'completed' })
      if (key) state.keys.set(key, answer)
      return answer
    })
    .on('GET', '/interventions/i-1', () => json(200, { id: 'i-1', status: state.status }))
  return state
}

describe('report outbox', () => {
  it('keeps a report in localStorage before sending, and sends it', async () => {
    const server = serverCompletingOnce()
    const outbox = useReportOutbox()
    gateway.offline = true

    outbox.enqueue(SUBMISSION)
    expect(JSON.parse(localStorage.getItem(OUTBOX_KEY)!).items).toHaveLength(1)
    await outbox.flush(TECH_USER.id)

    expect(outbox.items).toHaveLength(1)
    expect(outbox.items[0]!.state).toBe('waiting')
    expect(outbox.online).toBe(false)
    expect(server.completions).toBe(0)

    gateway.offline = false
    await outbox.flush(TECH_USER.id)

    expect(server.completions).toBe(1)
    expect(outbox.items).toHaveLength(0)
    expect(outbox.sent[0]!.interventionId).toBe('i-1')
    expect(JSON.parse(localStorage.getItem(OUTBOX_KEY)!).items).toHaveLength(0)
  })

  it('survives a reload of the app while waiting', async () => {
    useReportOutbox().enqueue(SUBMISSION)
    setActivePinia(createPinia())

    const reloaded = useReportOutbox()

    expect(reloaded.items).toHaveLength(1)
    expect(reloaded.items[0]!.steps.map((s) => s.kind)).toEqual(['report', 'complete'])
  })

  it('sends the same Idempotency-Key on every attempt, so a lost answer completes once', async () => {
    const server = serverCompletingOnce()
    let lose = true
    const original = gateway.fetch
    setTransport(async (input, init) => {
      const response = await original(input, init)
      if (lose && input.endsWith('/complete')) {
        lose = false
        throw new TypeError('connection reset') // the server did it; the answer never came
      }
      return response
    })
    const outbox = useReportOutbox()
    outbox.enqueue(SUBMISSION)

    await outbox.flush(TECH_USER.id)
    expect(outbox.items).toHaveLength(1)
    await outbox.flush(TECH_USER.id)

    const keys = gateway.requests.filter((r) => r.path.endsWith('/complete')).map((r) => r.headers['idempotency-key'])
    expect(keys).toHaveLength(2)
    expect(keys[0]).toBeTruthy()
    expect(keys[1]).toBe(keys[0])
    expect(server.completions).toBe(1)
    expect(outbox.items).toHaveLength(0)
  })

  it('treats an already completed intervention as delivered (answer lost after the step)', async () => {
    const server = serverCompletingOnce()
    server.status = 'completed'
    const outbox = useReportOutbox()
    outbox.enqueue(SUBMISSION)

    await outbox.flush(TECH_USER.id)

    expect(outbox.items).toHaveLength(0)
    expect(server.completions).toBe(0)
  })

  it('keeps a refused report with its field errors for the technician to fix', async () => {
    gateway.on('PUT', '/interventions/i-1/report', () =>
      problem(422, 'measurements out of physical range', { 'measurements.ph': 'pH must be between 0 and 14' }),
    )
    const outbox = useReportOutbox()
    outbox.enqueue(SUBMISSION)

    await outbox.flush(TECH_USER.id)

    expect(outbox.items).toHaveLength(1)
    expect(outbox.rejected).toHaveLength(1)
    expect(outbox.items[0]!.fieldErrors).toEqual({ 'measurements.ph': 'pH must be between 0 and 14' })
    expect(gateway.count('POST', '/interventions/i-1/complete')).toBe(0)
    // A corrected submission replaces it.
    serverCompletingOnce()
    outbox.enqueue(SUBMISSION)
    expect(outbox.items).toHaveLength(1)
    await outbox.flush(TECH_USER.id)
    expect(outbox.items).toHaveLength(0)
  })

  it('reports a visit cancelled by the office instead of retrying for ever', async () => {
    gateway
      .on('PUT', '/interventions/i-1/report', () => problem(409, 'the intervention is cancelled'))
      .on('GET', '/interventions/i-1', () => json(200, { id: 'i-1', status: 'cancelled' }))
    const outbox = useReportOutbox()
    outbox.enqueue(SUBMISSION)

    await outbox.flush(TECH_USER.id)

    expect(outbox.rejected[0]!.lastError).toBe("L'intervention a été annulée par le bureau.")
  })

  it("sends only the logged-in technician's reports, one flush at a time", async () => {
    const server = serverCompletingOnce()
    const outbox = useReportOutbox()
    outbox.enqueue({ ...SUBMISSION, userId: 'someone-else', interventionId: 'i-2' })
    outbox.enqueue(SUBMISSION)

    await Promise.all([outbox.flush(TECH_USER.id), outbox.flush(TECH_USER.id)])

    expect(server.completions).toBe(1)
    expect(gateway.count('PUT', '/interventions/i-1/report')).toBe(1)
    expect(outbox.items.map((item) => item.interventionId)).toEqual(['i-2'])
  })

  it('sends the start first when the visit was started offline', async () => {
    serverCompletingOnce()
    gateway.on('POST', '/interventions/i-1/start', () => json(200, { id: 'i-1', status: 'in_progress' }))
    const outbox = useReportOutbox()
    outbox.enqueue({ ...SUBMISSION, start: { started_at: '2026-05-04T09:00:00+02:00' } })

    await outbox.flush(TECH_USER.id)

    const order = gateway.requests.filter((r) => r.path.startsWith('/interventions/')).map((r) => `${r.method} ${r.path}`)
    expect(order).toEqual(['POST /interventions/i-1/start', 'PUT /interventions/i-1/report', 'POST /interventions/i-1/complete'])
    expect(outbox.items).toHaveLength(0)
  })
})

describe('working copy of the report', () => {
  it('is dropped once the server has the report', async () => {
    serverCompletingOnce()
    localStorage.setItem(`aquaerp.cache.${TECH_USER.id}.report-draft.i-1`, '{"savedAt":"x","value":{}}')
    const outbox = useReportOutbox()
    outbox.enqueue(SUBMISSION)

    await outbox.flush(TECH_USER.id)

    expect(localStorage.getItem(`aquaerp.cache.${TECH_USER.id}.report-draft.i-1`)).toBeNull()
  })
})
