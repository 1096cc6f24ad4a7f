// Invoicing calls shared by several screens.
import { api } from './client'
import type { CustomerBalance, Invoice, InvoiceList } from './types'

export const UNPAID: Invoice['status'][] = ['issued', 'partially_paid']

export interface UnpaidInvoice {
  id: string
  number: string
  customer_name: string
  due_date: string | null
  balance_cents: number
  overdue: boolean
}

/** Issued invoices not fully paid, most overdue first. */
export async function fetchUnpaidInvoices(): Promise<UnpaidInvoice[]> {
  const page = await api.get<InvoiceList>('/invoices', { status: UNPAID, type: 'invoice', page_size: 100 })
  return page.items
    .map((invoice) => ({
      id: invoice.id,
      number: invoice.number,
      customer_name: invoice.buyer?.name ?? '',
      due_date: invoice.due_date,
      balance_cents: invoice.amount_due_cents,
      overdue: invoice.overdue,
    }))
    .sort((a, b) => (a.due_date ?? '').localeCompare(b.due_date ?? ''))
}

export function fetchBalance(customerId: string): Promise<CustomerBalance> {
  return api.get<CustomerBalance>(`/customers/${customerId}/balance`)
}

export const PAYMENT_METHOD_LABELS: Record<string, string> = {
  transfer: 'Virement',
  cheque: 'Chèque',
  card: 'Carte bancaire',
  sepa_direct_debit: 'Prélèvement SEPA',
}

export const SOURCE_LABELS: Record<string, string> = {
  manual: 'Saisie manuelle',
  billing_run: 'Facturation des contrats',
  intervention: 'Intervention',
}
