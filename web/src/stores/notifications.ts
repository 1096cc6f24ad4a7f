// Short messages after an action ("Contrat activé"), shown a few seconds.
import { defineStore } from 'pinia'

export interface Notice {
  id: number
  text: string
  tone: 'success' | 'error' | 'info'
}

let nextId = 1

export const useNotifications = defineStore('notifications', {
  state: () => ({ notices: [] as Notice[] }),
  actions: {
    push(text: string, tone: Notice['tone'] = 'success', ms = 4000): void {
      const notice = { id: nextId++, text, tone }
      // The latest three at most: older news is stale.
      this.notices = [...this.notices, notice].slice(-3)
      if (ms > 0) setTimeout(() => this.dismiss(notice.id), ms)
    },
    dismiss(id: number): void {
      this.notices = this.notices.filter((notice) => notice.id !== id)
    },
  },
})
