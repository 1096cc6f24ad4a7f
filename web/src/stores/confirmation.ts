// The app's own confirmation dialog (instead of the browser's window.confirm): a screen awaits
// `ask(...)`, the ConfirmDialog host shows the question and resolves true or false.
import { defineStore } from 'pinia'

export interface ConfirmRequest {
  title: string
  message: string
  /** Label of the button that goes ahead, e.g. "Émettre". */
  confirmLabel: string
  /** Irreversible or destructive: the button is shown in the danger tone. */
  danger?: boolean
}

interface Pending extends ConfirmRequest {
  resolve: (answer: boolean) => void
}

export const useConfirmation = defineStore('confirmation', {
  state: () => ({ pending: null as Pending | null }),
  actions: {
    ask(request: ConfirmRequest): Promise<boolean> {
      // A new question answers the previous one "no": one dialog at a time.
      this.pending?.resolve(false)
      return new Promise<boolean>((resolve) => {
        this.pending = { ...request, resolve }
      })
    },
    answer(value: boolean): void {
      const pending = this.pending
      this.pending = null
      pending?.resolve(value)
    },
  },
})
