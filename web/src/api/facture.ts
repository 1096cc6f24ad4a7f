// Invoicing calls shared by several screens.
import { api, unwrap, type AnswerOf, type Schemas } from './client'

type Invoice = Schemas['Invoice']

export const UNPAID: NonNullable<Invoice['status']>[] = ['issued', 'partially_paid']

/** Issued invoices not fully paid, most overdue first. */
export async function fetchUnpaidInvoices(): Promise<Invoice[]> {
  const page = await unwrap(
    api.GET('/api/v1/invoices', { params: { query: { status: UNPAID, type: 'invoice', page_size: 100 } } }),
  )
  return page.items.sort((a, b) => (a.due_date ?? '').localeCompare(b.due_date ?? ''))
}

export function fetchBalance(customerId: string): Promise<AnswerOf<'/api/v1/customers/{customer_id}/balance', 'get'>> {
  return unwrap(api.GET('/api/v1/customers/{customer_id}/balance', { params: { path: { customer_id: customerId } } }))
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
