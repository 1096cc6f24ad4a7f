// Invoices as the screens need them. The facture routes are mapped here in one place.
import { api } from './client'

export interface UnpaidInvoice {
  id: string
  number: string
  customer_name: string
  due_date: string | null
  balance_cents: number
}

interface InvoiceSummary {
  id: string
  number: string
  buyer?: { name?: string }
  customer_name?: string
  due_date?: string | null
  amount_due?: { amount_cents: number }
}

export async function fetchUnpaidInvoices(): Promise<UnpaidInvoice[]> {
  const page = await api.get<{ items: InvoiceSummary[] }>('/invoices', { unpaid: true, page_size: 100 })
  return page.items.map((invoice) => ({
    id: invoice.id,
    number: invoice.number,
    customer_name: invoice.customer_name ?? invoice.buyer?.name ?? '',
    due_date: invoice.due_date ?? null,
    balance_cents: invoice.amount_due?.amount_cents ?? 0,
  }))
}
