import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { setTransport } from '@/api/client'
import { fitWithin } from '@/lib/photos'
import { installSession, useSessionStore } from '@/stores/session'
import { PHOTO_OUTBOX_KEY, usePhotoOutbox } from '@/stores/photoOutbox'
import { useReportOutbox } from '@/stores/reportOutbox'
import { FakeGateway, json, problem, TECH_USER, tokenPair } from './fakeGateway'

let gateway: FakeGateway

const PHOTO = {
  id: 'p-1',
  userId: TECH_USER.id,
  interventionId: 'i-1',
  kind: 'before' as const,
  checklistItemKey: '',
  takenAt: '2026-05-04T10:00:00+02:00',
  base64: '/9j/4AAQ',
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

describe('photo outbox', () => {
  it('keeps a photo on the phone until the server has it, with the same id on every attempt', async () => {
    const ids: unknown[] = []
    gateway.on('POST', '/interventions/i-1/photos', (request) => {
      ids.push((request.body as { photo_id: string }).photo_id)
      return json(201, { id: 'p-1' })
    })
    const photos = usePhotoOutbox()
    gateway.offline = true
    expect(photos.enqueue(PHOTO)).toBe(true)
    expect(JSON.parse(localStorage.getItem(PHOTO_OUTBOX_KEY)!)).toHaveLength(1)
    expect(await photos.flush(TECH_USER.id)).toBe(false)
    expect(photos.photos).toHaveLength(1)

    gateway.offline = false
    expect(await photos.flush(TECH_USER.id)).toBe(true)
    expect(photos.photos).toHaveLength(0)
    expect(ids).toEqual(['p-1'])
    expect(JSON.parse(localStorage.getItem(PHOTO_OUTBOX_KEY)!)).toHaveLength(0)
  })

  it('keeps a refused photo with the reason instead of retrying for ever', async () => {
    gateway.on('POST', '/interventions/i-1/photos', () =>
      problem(422, 'invalid', { content_base64: "ce fichier n'est pas une photo JPEG, PNG ou WebP" }),
    )
    const photos = usePhotoOutbox()
    photos.enqueue(PHOTO)
    await photos.flush(TECH_USER.id)
    expect(photos.photos[0]!.state).toBe('rejected')
    photos.discard('p-1')
    expect(photos.photos).toHaveLength(0)
  })

  it("sends a visit's photos before its report", async () => {
    const order: string[] = []
    gateway
      .on('POST', '/interventions/i-1/photos', () => (order.push('photo'), json(201, { id: 'p-1' })))
      .on('PUT', '/interventions/i-1/report', () => (order.push('report'), json(200, { id: 'i-1' })))
      .on('POST', '/interventions/i-1/complete', () => (order.push('complete'), json(200, { id: 'i-1' })))
    usePhotoOutbox().enqueue(PHOTO)
    const reports = useReportOutbox()
    reports.enqueue({
      userId: TECH_USER.id,
      interventionId: 'i-1',
      label: 'Villa',
      start: null,
      report: { measurements: {}, actions: [], parts: [], notes: '' },
      completion: {
        technician_signature: { signer_name: 'Marc', signed_at: '2026-05-04T10:00:00+02:00', png_base64: 'iVBORw0KGgo=' },
        customer_signature: null,
        customer_absent: true,
        customer_absence_reason: 'absent',
        completed_at: '2026-05-04T10:00:00+02:00',
      },
    })
    await reports.flush(TECH_USER.id)
    expect(order).toEqual(['photo', 'report', 'complete'])
  })

  it('shrinks a camera picture to 1600 px on its long side, never enlarges', () => {
    expect(fitWithin(4032, 3024)).toEqual({ width: 1600, height: 1200 })
    expect(fitWithin(3000, 4000)).toEqual({ width: 1200, height: 1600 })
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 })
  })
})
