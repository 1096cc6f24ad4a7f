// Reports finished on a flaky connection. Each submission is written to localStorage before
// anything is sent, then sent step by step (start, report, completion) whenever the network
// allows, and removed only once the server has it: never lost, and completed exactly once
// because every POST of an item carries the same Idempotency-Key on every attempt (the gateway
// replays the stored answer of a request it already ran).
import { defineStore } from 'pinia'
import { api, idempotent, unwrap, type BodyOf, type Schemas } from '@/api/client'
import { ApiError, NetworkError } from '@/api/http'
import { describeError } from '@/lib/problems'
import { newId } from '@/lib/ids'
import { dropCached } from '@/lib/offlineCache'
import { usePhotoOutbox } from '@/stores/photoOutbox'

/** Where the visit screen keeps the report being typed (see TechVisitView). */
export function draftKey(interventionId: string): string {
  return `report-draft.${interventionId}`
}

export const OUTBOX_KEY = 'aquaerp.report-outbox.v1'
const SENT_LOG_SIZE = 20
/** Attempts of a conflicting (409) item before it is shown as refused. */
const MAX_CONFLICT_ATTEMPTS = 5

/** One call of a submission; `idempotencyKey` is the same on every attempt of a POST step. */
export type OutboxStep = { done: boolean } & (
  | { kind: 'start'; body: BodyOf<'/api/v1/interventions/{intervention_id}/start', 'post'>; idempotencyKey: string }
  | { kind: 'report'; body: BodyOf<'/api/v1/interventions/{intervention_id}/report', 'put'> }
  | { kind: 'complete'; body: BodyOf<'/api/v1/interventions/{intervention_id}/complete', 'post'>; idempotencyKey: string }
)

export type StepKind = OutboxStep['kind']

/** Sends one step of the intervention's submission. */
async function sendStep(interventionId: string, step: OutboxStep): Promise<void> {
  const params = { path: { intervention_id: interventionId } }
  switch (step.kind) {
    case 'start':
      await api.POST('/api/v1/interventions/{intervention_id}/start', {
        params,
        body: step.body,
        ...idempotent(step.idempotencyKey),
      })
      return
    case 'report':
      await api.PUT('/api/v1/interventions/{intervention_id}/report', { params, body: step.body })
      return
    case 'complete':
      await api.POST('/api/v1/interventions/{intervention_id}/complete', {
        params,
        body: step.body,
        ...idempotent(step.idempotencyKey),
      })
      return
  }
}

export type OutboxState = 'waiting' | 'sending' | 'rejected'

export interface OutboxItem {
  id: string
  userId: string
  interventionId: string
  label: string
  createdAt: string
  steps: OutboxStep[]
  state: OutboxState
  attempts: number
  lastAttemptAt?: string
  lastError?: string
  fieldErrors?: Record<string, string>
}

export interface SentRecord {
  id: string
  interventionId: string
  label: string
  sentAt: string
}

interface Stored {
  items: OutboxItem[]
  sent: SentRecord[]
}

function load(): Stored {
  try {
    const raw = localStorage.getItem(OUTBOX_KEY)
    if (raw) {
      const stored = JSON.parse(raw) as Stored
      // An item caught mid-send when the page closed is simply waiting again.
      for (const item of stored.items) if (item.state === 'sending') item.state = 'waiting'
      return { items: stored.items ?? [], sent: stored.sent ?? [] }
    }
  } catch {
    // A corrupt entry must not block the app; it is kept aside for support.
    const raw = localStorage.getItem(OUTBOX_KEY)
    if (raw) localStorage.setItem(`${OUTBOX_KEY}.corrupt.${Date.now()}`, raw)
  }
  return { items: [], sent: [] }
}

export interface Submission {
  userId: string
  interventionId: string
  label: string
  /** Send a start first (the visit was started while offline). */
  start?: BodyOf<'/api/v1/interventions/{intervention_id}/start', 'post'> | null
  report: BodyOf<'/api/v1/interventions/{intervention_id}/report', 'put'>
  completion: BodyOf<'/api/v1/interventions/{intervention_id}/complete', 'post'>
}

let flushing: Promise<void> | null = null

export const useReportOutbox = defineStore('reportOutbox', {
  state: () => ({ ...load(), online: typeof navigator === 'undefined' ? true : navigator.onLine }),
  getters: {
    pending: (state) => state.items.filter((item) => item.state !== 'rejected'),
    rejected: (state) => state.items.filter((item) => item.state === 'rejected'),
  },
  actions: {
    save(): void {
      const stored: Stored = { items: this.items, sent: this.sent }
      localStorage.setItem(OUTBOX_KEY, JSON.stringify(stored))
    },

    itemFor(interventionId: string): OutboxItem | undefined {
      return this.items.find((item) => item.interventionId === interventionId)
    },

    /** Stores a finished report for sending; returns its id. Replaces a refused one. */
    enqueue(submission: Submission): string {
      const id = newId()
      const steps: OutboxStep[] = []
      if (submission.start) {
        steps.push({ kind: 'start', body: submission.start, idempotencyKey: `${id}:start`, done: false })
      }
      steps.push({ kind: 'report', body: submission.report, done: false })
      steps.push({ kind: 'complete', body: submission.completion, idempotencyKey: `${id}:complete`, done: false })
      this.items = this.items.filter((item) => item.interventionId !== submission.interventionId)
      this.items.push({
        id,
        userId: submission.userId,
        interventionId: submission.interventionId,
        label: submission.label,
        createdAt: new Date().toISOString(),
        steps,
        state: 'waiting',
        attempts: 0,
      })
      this.save()
      return id
    },

    /** Drops a refused item (the technician chose to discard it). */
    discard(id: string): void {
      this.items = this.items.filter((item) => item.id !== id)
      this.save()
    },

    /** Sends what is waiting for this user; one flush at a time. */
    flush(userId: string): Promise<void> {
      if (!flushing) {
        flushing = this.flushAll(userId).finally(() => {
          flushing = null
        })
      }
      return flushing
    },

    async flushAll(userId: string): Promise<void> {
      for (const item of [...this.items]) {
        if (item.userId !== userId || item.state === 'rejected') continue
        const stop = await this.sendItem(item.id)
        if (stop) break
      }
    },

    /** Sends one item's remaining steps. Returns true when the network is down (stop for now). */
    async sendItem(id: string): Promise<boolean> {
      const item = this.items.find((candidate) => candidate.id === id)
      if (!item) return false
      item.state = 'sending'
      item.attempts += 1
      item.lastAttemptAt = new Date().toISOString()
      this.save()
      // The visit's photos first: the report PDF, made at completion, shows them.
      if (!(await usePhotoOutbox().flush(item.userId, item.interventionId))) {
        return this.stepFailed(item, new NetworkError())
      }
      for (const step of item.steps) {
        if (step.done) continue
        try {
          await sendStep(item.interventionId, step)
          step.done = true
          this.save()
        } catch (error) {
          return this.stepFailed(item, error)
        }
      }
      this.delivered(item)
      return false
    },

    async stepFailed(item: OutboxItem, error: unknown): Promise<boolean> {
      const described = describeError(error)
      item.lastError = described.message
      if (error instanceof NetworkError) {
        this.online = false
        item.lastError = 'Pas de réseau pour le moment : le rapport partira tout seul au retour du réseau.'
        item.state = 'waiting'
        this.save()
        return true
      }
      if (error instanceof ApiError && error.status === 409) {
        // Already completed (an earlier attempt got through), cancelled meanwhile, or the same
        // request still running: the intervention's state tells which.
        const current = await this.currentState(item.interventionId)
        if (current === 'completed') {
          this.delivered(item)
          return false
        }
        if (current === 'cancelled') {
          item.state = 'rejected'
          item.lastError = "L'intervention a été annulée par le bureau."
          this.save()
          return false
        }
        item.state = item.attempts >= MAX_CONFLICT_ATTEMPTS ? 'rejected' : 'waiting'
        item.lastError =
          item.state === 'waiting'
            ? "Le serveur n'a pas encore pris ce rapport : nouvel essai automatique dans un instant."
            : "Le serveur refuse toujours ce rapport : appelez le bureau avant de le supprimer."
        this.save()
        return false
      }
      if (error instanceof ApiError && (error.status === 422 || error.status === 403 || error.status === 404)) {
        item.state = 'rejected'
        item.fieldErrors = described.fields
        this.save()
        return false
      }
      // 401 without a session, 429, 5xx: try again later.
      item.state = 'waiting'
      this.save()
      return error instanceof ApiError && error.status === 401
    },

    async currentState(interventionId: string): Promise<Schemas['Intervention']['status'] | null> {
      try {
        const intervention = await unwrap(
          api.GET('/api/v1/interventions/{intervention_id}', {
            params: { path: { intervention_id: interventionId } },
          }),
        )
        return intervention.status
      } catch {
        return null
      }
    },

    delivered(item: OutboxItem): void {
      this.items = this.items.filter((candidate) => candidate.id !== item.id)
      // The server has the report: the working copy on the phone is no longer needed.
      dropCached(item.userId, draftKey(item.interventionId))
      this.sent = [
        { id: item.id, interventionId: item.interventionId, label: item.label, sentAt: new Date().toISOString() },
        ...this.sent,
      ].slice(0, SENT_LOG_SIZE)
      this.online = true
      this.save()
    },

    /** Another tab changed the outbox. */
    reload(): void {
      const stored = load()
      this.items = stored.items
      this.sent = stored.sent
    },
  },
})
