// Sends the technician's queued reports when the network comes back, when the app returns to the
// foreground, and every little while as long as something waits (phones often report "online"
// with no real connection, so the timer does not trust navigator.onLine).
import { onBeforeUnmount, onMounted } from 'vue'
import { useReportOutbox, OUTBOX_KEY } from '@/stores/reportOutbox'
import { useSessionStore } from '@/stores/session'

const RETRY_EVERY_MS = 15_000

export function useOutboxSync() {
  const outbox = useReportOutbox()
  const session = useSessionStore()
  let timer: ReturnType<typeof setInterval> | null = null

  function flush(): void {
    const userId = session.user?.id
    if (userId && outbox.pending.length > 0) void outbox.flush(userId)
  }

  function online(): void {
    outbox.online = true
    flush()
  }

  function offline(): void {
    outbox.online = false
  }

  function visible(): void {
    if (document.visibilityState === 'visible') flush()
  }

  function storage(event: StorageEvent): void {
    if (event.key === OUTBOX_KEY) outbox.reload()
  }

  onMounted(() => {
    window.addEventListener('online', online)
    window.addEventListener('offline', offline)
    window.addEventListener('storage', storage)
    document.addEventListener('visibilitychange', visible)
    timer = setInterval(flush, RETRY_EVERY_MS)
    flush()
  })

  onBeforeUnmount(() => {
    window.removeEventListener('online', online)
    window.removeEventListener('offline', offline)
    window.removeEventListener('storage', storage)
    document.removeEventListener('visibilitychange', visible)
    if (timer) clearInterval(timer)
  })

  return { flush }
}
