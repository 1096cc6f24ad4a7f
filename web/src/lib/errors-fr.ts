// The one French catalogue of what the services report: stable error codes with their
// parameters (problem+json `code` and `params`, from the services' google.rpc.ErrorInfo), and
// the reasons the billing runs give for entries they skip or cannot bill.

type Params = Record<string, string>
type Render = (params: Params) => string

const SKILLS: Record<string, string> = {
  piscine: 'piscine',
  spa: 'spa',
  pool: 'piscine',
  repair: 'dépannage',
  electrical: 'électricité',
  heat_pump: 'pompe à chaleur',
}

const skill = (params: Params): string => SKILLS[params.skill ?? ''] ?? params.skill ?? ''

/** Messages by error code; `params` fill them in. */
export const ERROR_CODES: Record<string, Render> = {
  'assignment.missing_skill': (p) => `Le technicien n'a pas la compétence requise « ${skill(p)} ».`,
  'assignment.technician_inactive': () => "Ce technicien n'est plus actif.",
  'assignment.absence': (p) => `Le technicien est absent de ${p.from ?? '?'} à ${p.to ?? '?'} ce jour-là.`,
  'assignment.overlap': (p) => `Le technicien a déjà une intervention de ${p.from ?? '?'} à ${p.to ?? '?'}.`,
  'assignment.outside_working_hours': (p) =>
    `${p.start ?? ''}–${p.end ?? ''} sort des horaires du technicien ce jour-là (${p.hours || 'ne travaille pas'}).`,
  'assignment.outside_time_window': (p) =>
    `${p.start ?? ''}–${p.end ?? ''} sort du jour et de la plage horaire de la visite (${p.window_start ?? ''}–${p.window_end ?? ''}).`,
  'billing_run.preview_required': () => "Faites d'abord un aperçu de la facturation, puis confirmez-le.",
  'billing_run.preview_mismatch': () => "L'aperçu confirmé porte sur une autre date, un autre début ou un autre contrat : refaites l'aperçu.",
  'billing_run.preview_unfinished': () => "L'aperçu n'est pas terminé : attendez-le puis confirmez.",
  'billing_run.total_changed': () => "Le total confirmé n'est plus celui de l'aperçu : refaites l'aperçu.",
  'billing_run.future_date': () => 'On ne facture que ce qui est dû : la date ne peut pas être dans le futur.',
}

/** The French message of an error code, or null when the catalogue does not know it. */
export function messageOfCode(code: string | undefined, params: Params = {}): string | null {
  const render = code ? ERROR_CODES[code] : undefined
  return render ? render(params) : null
}

const BILLING_REASONS: [RegExp, (...groups: string[]) => string][] = [
  [/^already invoiced by (\S+)$/i, (number) => `Déjà facturé par ${number}`],
  [/^nothing left to bill for this period$/i, () => 'Plus rien à facturer sur cette période'],
  [/^the intervention has nothing billable$/i, () => "Rien de facturable dans l'intervention"],
  [
    /^line '(.+)' has 0 % VAT and no exemption wording is configured/i,
    (label) => `La ligne « ${label} » est à 0 % de TVA sans mention d'exonération configurée (réglage de la facturation)`,
  ],
  [/^buyer\.siren: (.+)$/i, () => 'SIREN du client invalide'],
  [/^buyer\.vat_number: (.+)$/i, () => 'N° de TVA du client invalide'],
  [/^buyer\.address(\S*): (.+)$/i, () => 'Adresse du client incomplète'],
]

/** A billing run's reason (skipped or failed entry) in French. */
export function billingReason(reason: string): string {
  for (const [pattern, render] of BILLING_REASONS) {
    const match = pattern.exec(reason)
    if (match) return render(...match.slice(1))
  }
  return reason
}
