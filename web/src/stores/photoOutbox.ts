// Visit photos waiting to be sent, in the report outbox's style: each photo is written to
// localStorage before anything is sent, sent whenever the network allows, and removed only once
// the server has it. The photo id is chosen here, so a retried upload finds the photo the server
// already stored (it answers the same photo). A visit's photos go before its report (the report
// outbox sends them first) so that the report PDF shows them.
import { defineStore } from 'pinia'
import { api, type BodyOf } from '@/api/client'
import { ApiError, NetworkError } from '@/api/http'
import { describeError } from '@/lib/problems'

export const PHOTO_OUTBOX_KEY = 'aquaerp.photo-outbox.v1'

type UploadBody = BodyOf<'/api/v1/interventions/{intervention_id}/photos', 'post'>

export interface QueuedPhoto {
  id: string
  userId: string
  interventionId: string
  kind: UploadBody['kind']
  checklistItemKey: string
  takenAt: string
  base64: string
  state: 'waiting' | 'rejected'
  lastError?: string
}

function load(): QueuedPhoto[] {
  try {
    const raw = localStorage.getItem(PHOTO_OUTBOX_KEY)
    return raw ? (JSON.parse(raw) as QueuedPhoto[]) : []
  } catch {
    return []
  }
}

let sending: Promise<boolean> | null = null

export const usePhotoOutbox = defineStore('photoOutbox', {
  state: () => ({ photos: load() }),
  actions: {
    /** Throws when the phone's storage is full (nothing is queued then). */
    save(): void {
      localStorage.setItem(PHOTO_OUTBOX_KEY, JSON.stringify(this.photos))
    },

    forVisit(interventionId: string): QueuedPhoto[] {
      return this.photos.filter((photo) => photo.interventionId === interventionId)
    },

    /** Queues a photo; false when the phone has no room left for it. */
    enqueue(photo: Omit<QueuedPhoto, 'state'>): boolean {
      this.photos.push({ ...photo, state: 'waiting' })
      try {
        this.save()
        return true
      } catch {
        this.photos = this.photos.filter((queued) => queued.id !== photo.id)
        return false
      }
    },

    discard(id: string): void {
      this.photos = this.photos.filter((photo) => photo.id !== id)
      this.save()
    },

    /**
     * Sends the waiting photos of this user (of one visit when given), one call at a time.
     * Returns false when the network is down (the rest waits for the next attempt).
     */
    flush(userId: string, interventionId?: string): Promise<boolean> {
      const run = async (): Promise<boolean> => {
        if (sending) await sending.catch(() => undefined)
        for (const photo of [...this.photos]) {
          if (photo.userId !== userId || photo.state !== 'waiting') continue
          if (interventionId && photo.interventionId !== interventionId) continue
          if (!(await this.send(photo))) return false
        }
        return true
      }
      const current = run()
      sending = current
      return current.finally(() => {
        if (sending === current) sending = null
      })
    },

    async send(photo: QueuedPhoto): Promise<boolean> {
      try {
        await api.POST('/api/v1/interventions/{intervention_id}/photos', {
          params: { path: { intervention_id: photo.interventionId } },
          body: {
            photo_id: photo.id,
            kind: photo.kind,
            checklist_item_key: photo.checklistItemKey,
            taken_at: photo.takenAt,
            content_base64: photo.base64,
          },
        })
        this.photos = this.photos.filter((queued) => queued.id !== photo.id)
        this.save()
        return true
      } catch (error) {
        if (error instanceof NetworkError) return false
        if (error instanceof ApiError && [403, 404, 409, 422].includes(error.status)) {
          // Refused for good: kept on the phone, shown with the reason, until discarded.
          const target = this.photos.find((queued) => queued.id === photo.id)
          if (target) {
            target.state = 'rejected'
            target.lastError = describeError(error).message
          }
          this.save()
          return true
        }
        return false // 401, 429, 5xx: later
      }
    },

    reload(): void {
      this.photos = load()
    },
  },
})
