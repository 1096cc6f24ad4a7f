// What the forms hold (strings, as typed), how they become API bodies, and their checks before
// sending. Error keys match the gateway's field paths so both land on the same field.
import { centsToInput, parseDecimal, parseEuros } from './format'
import { checkMeasurements, type MeasurementInput } from './measurements'
import type { AnswerOf, BodyOf, Schemas } from '@/api/client'
import {
  decimal,
  email,
  euros,
  integer,
  isoDate,
  maxLength,
  postalCode,
  required,
  siren,
  siret,
  timeOfDay,
  validate,
  vatRate,
  type Errors,
} from './validation'

// The bodies the forms send, named by their routes.
type CustomerBody = BodyOf<'/api/v1/customers', 'post'>
type SiteBody = BodyOf<'/api/v1/customers/{customer_id}/sites', 'post'>
type InstallationBody = BodyOf<'/api/v1/sites/{site_id}/installations', 'post'>
type ContractBody = BodyOf<'/api/v1/contracts', 'post'>
type CorrectiveBody = BodyOf<'/api/v1/interventions', 'post'>
type ReportBody = BodyOf<'/api/v1/interventions/{intervention_id}/report', 'put'>
type CompleteBody = BodyOf<'/api/v1/interventions/{intervention_id}/complete', 'post'>
type InvoiceBody = BodyOf<'/api/v1/invoices', 'post'>
type Site = AnswerOf<'/api/v1/sites/{site_id}', 'get'>

// -- customers ------------------------------------------------------------------------------------

export interface CustomerDraft {
  type: CustomerBody['type']
  name: string
  legal_form: string
  siren: string
  siret: string
  vat_number: string
  line1: string
  line2: string
  postal_code: string
  city: string
  country: string
  billing_contact_name: string
  billing_email: string
  phone: string
  notes: string
  code: string
}

export function customerDraft(customer?: Schemas['Customer'] | null): CustomerDraft {
  return {
    type: customer?.type ?? 'private',
    name: customer?.name ?? '',
    legal_form: customer?.legal_form ?? '',
    siren: customer?.siren ?? '',
    siret: customer?.siret ?? '',
    vat_number: customer?.vat_number ?? '',
    line1: customer?.billing_address?.lines?.[0] ?? '',
    line2: customer?.billing_address?.lines?.[1] ?? '',
    postal_code: customer?.billing_address?.postal_code ?? '',
    city: customer?.billing_address?.city ?? '',
    country: customer?.billing_address?.country || 'FR',
    billing_contact_name: customer?.billing_contact_name ?? '',
    billing_email: customer?.billing_email ?? '',
    phone: customer?.phone ?? '',
    notes: customer?.notes ?? '',
    code: customer?.code ?? '',
  }
}

export function customerErrors(draft: CustomerDraft): Errors {
  const french = draft.country.trim().toUpperCase() === 'FR'
  const errors = validate(
    {
      name: draft.name,
      billing_email: draft.billing_email,
      'billing_address.lines': draft.line1,
      'billing_address.postal_code': draft.postal_code,
      'billing_address.city': draft.city,
      'billing_address.country': draft.country,
    },
    {
      name: [required, maxLength(200)],
      billing_email: [email],
      'billing_address.lines': [required, maxLength(200)],
      'billing_address.postal_code': french ? [required, postalCode] : [required],
      'billing_address.city': [required, maxLength(100)],
      'billing_address.country': [required, (v) => (/^[A-Za-z]{2}$/.test(String(v).trim()) ? null : 'Code pays à 2 lettres')],
    },
  )
  if (draft.type === 'business') {
    Object.assign(
      errors,
      validate(
        { legal_form: draft.legal_form, siren: draft.siren, siret: draft.siret },
        { legal_form: [required, maxLength(60)], siren: [siren], siret: [siret] },
      ),
    )
    if (!errors.siren && french && draft.siren.trim() === '') errors.siren = 'Obligatoire pour une entreprise française'
  }
  return errors
}

export function customerBody(draft: CustomerDraft): CustomerBody {
  const business = draft.type === 'business'
  return {
    type: draft.type,
    name: draft.name.trim(),
    legal_form: business ? draft.legal_form.trim() : '',
    siren: business ? draft.siren.trim() : '',
    siret: business ? draft.siret.trim() : '',
    vat_number: business ? draft.vat_number.trim() : '',
    billing_address: {
      lines: [draft.line1.trim(), draft.line2.trim()].filter(Boolean),
      postal_code: draft.postal_code.trim(),
      city: draft.city.trim(),
      country: draft.country.trim().toUpperCase(),
    },
    billing_contact_name: draft.billing_contact_name.trim(),
    billing_email: draft.billing_email.trim(),
    phone: draft.phone.trim(),
    notes: draft.notes,
    code: draft.code.trim(),
  }
}

// -- sites and installations ------------------------------------------------------------------------

export interface SiteDraft {
  name: string
  line1: string
  postal_code: string
  city: string
  country: string
  latitude: string
  longitude: string
  access_notes: string
  gate_code: string
}

export function siteDraft(site?: Site | null): SiteDraft {
  return {
    name: site?.name ?? '',
    line1: site?.address?.lines?.[0] ?? '',
    postal_code: site?.address?.postal_code ?? '',
    city: site?.address?.city ?? '',
    country: site?.address?.country || 'FR',
    latitude: site?.geo ? String(site.geo.latitude) : '',
    longitude: site?.geo ? String(site.geo.longitude) : '',
    access_notes: site?.access_notes ?? '',
    gate_code: site?.gate_code ?? '',
  }
}

export function siteErrors(draft: SiteDraft): Errors {
  const errors = validate(draft as unknown as Record<string, unknown>, {
    name: [required, maxLength(200)],
    line1: [required],
    postal_code: draft.country.toUpperCase() === 'FR' ? [required, postalCode] : [required],
    city: [required],
    latitude: [decimal({ min: -90, max: 90 })],
    longitude: [decimal({ min: -180, max: 180 })],
    access_notes: [maxLength(2000)],
  })
  if ((draft.latitude.trim() === '') !== (draft.longitude.trim() === '')) {
    errors.geo = 'Latitude et longitude vont ensemble'
  }
  // Server paths for the address fields.
  const renamed: Errors = {}
  for (const [key, message] of Object.entries(errors)) {
    const path = { line1: 'address.lines', postal_code: 'address.postal_code', city: 'address.city', latitude: 'geo.latitude', longitude: 'geo.longitude' }[key]
    renamed[path ?? key] = message
  }
  return renamed
}

export function siteBody(draft: SiteDraft): SiteBody {
  const latitude = parseDecimal(draft.latitude)
  const longitude = parseDecimal(draft.longitude)
  return {
    name: draft.name.trim(),
    address: {
      lines: [draft.line1.trim()].filter(Boolean),
      postal_code: draft.postal_code.trim(),
      city: draft.city.trim(),
      country: draft.country.trim().toUpperCase() || 'FR',
    },
    geo: latitude !== null && longitude !== null ? { latitude, longitude } : null,
    access_notes: draft.access_notes,
    gate_code: draft.gate_code.trim(),
  }
}

export interface InstallationDraft {
  type: InstallationBody['type']
  name: string
  volume_m3: string
  notes: string
}

export function installationErrors(draft: InstallationDraft): Errors {
  const errors = validate(draft as unknown as Record<string, unknown>, {
    name: [required, maxLength(200)],
    volume_m3: [required, decimal({ min: 0.1, max: 10000 })],
  })
  return errors
}

export function installationBody(draft: InstallationDraft): InstallationBody {
  return {
    type: draft.type,
    name: draft.name.trim(),
    volume_m3: parseDecimal(draft.volume_m3) ?? 0,
    equipment: [],
    notes: draft.notes,
  }
}

// -- contracts ------------------------------------------------------------------------------------

export interface LineDraft {
  product_code: string
  label: string
  quantity: string
  unit_price: string
  vat_rate: string
  site_id: string
}

export interface PlanDraft {
  id: string
  site_id: string
  label: string
  rrule: string
  window_start: string
  window_end: string
  duration_minutes: string
  required_skill: string
  season_start: string
  season_end: string
  /** The first season's name and own rule, and the further seasons, kept as they are. */
  season_name: string
  season_rrule: string
  other_seasons: Schemas['Season'][]
  /** What to do on each visit (a template's checklist). */
  description: string
}

export type PlanBody = Schemas['MaintenancePlanInput']

export interface ContractDraft {
  customer_id: string
  site_ids: string[]
  billing_frequency: ContractBody['billing_frequency']
  billing_timing: ContractBody['billing_timing']
  payment_days: string
  end_of_month: boolean
  start_date: string
  end_date: string
  tacit_renewal: boolean
  renewal_term_months: string
  notice_period_days: string
  sla_hours: string
  notes: string
  lines: LineDraft[]
  plans: PlanDraft[]
}

export function emptyLine(siteId = ''): LineDraft {
  return { product_code: 'ENTRETIEN', label: '', quantity: '1', unit_price: '', vat_rate: '20', site_id: siteId }
}

/** Common maintenance rhythms, as RFC 5545 rules. */
export const PLAN_RHYTHMS: { label: string; rrule: string }[] = [
  { label: 'Tous les jours', rrule: 'FREQ=DAILY' },
  { label: 'Chaque semaine (lundi)', rrule: 'FREQ=WEEKLY;BYDAY=MO' },
  { label: 'Chaque semaine (mardi)', rrule: 'FREQ=WEEKLY;BYDAY=TU' },
  { label: 'Chaque semaine (mercredi)', rrule: 'FREQ=WEEKLY;BYDAY=WE' },
  { label: 'Chaque semaine (jeudi)', rrule: 'FREQ=WEEKLY;BYDAY=TH' },
  { label: 'Chaque semaine (vendredi)', rrule: 'FREQ=WEEKLY;BYDAY=FR' },
  { label: 'Tous les jours ouvrés', rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR' },
  { label: 'Toutes les deux semaines (lundi)', rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO' },
  { label: 'Chaque mois (le 5)', rrule: 'FREQ=MONTHLY;BYMONTHDAY=5' },
  { label: 'Chaque mois (premier lundi)', rrule: 'FREQ=MONTHLY;BYDAY=1MO' },
  { label: 'Tous les deux mois (le 5)', rrule: 'FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=5' },
]

export function emptyPlan(siteId = ''): PlanDraft {
  return {
    id: '',
    site_id: siteId,
    label: 'Entretien piscine',
    rrule: 'FREQ=WEEKLY;BYDAY=MO',
    window_start: '08:00',
    window_end: '18:00',
    duration_minutes: '60',
    required_skill: '',
    season_start: '',
    season_end: '',
    season_name: '',
    season_rrule: '',
    other_seasons: [],
    description: '',
  }
}

/** A one-off yearly visit from a template: on its window's first day, running during the window. */
export function templatePlan(template: Schemas['VisitTemplate'], siteId = ''): PlanDraft {
  const [month, day] = template.window_start.split('-').map(Number)
  return {
    ...emptyPlan(siteId),
    label: template.label,
    rrule: `FREQ=YEARLY;BYMONTH=${month};BYMONTHDAY=${day}`,
    window_start: '08:00',
    window_end: '17:00',
    duration_minutes: String(template.duration_minutes ?? 120),
    required_skill: template.required_skill ?? '',
    season_start: template.window_start,
    season_end: template.window_end,
    season_name: template.label,
    description: (template.checklist ?? []).join('\n'),
  }
}

export function planDrafts(plans: Schemas['MaintenancePlan'][]): PlanDraft[] {
  return plans.map((plan) => ({
    id: plan.id ?? '',
    site_id: plan.site_id,
    label: plan.label,
    rrule: plan.rrule,
    window_start: plan.time_window?.start ?? '08:00',
    window_end: plan.time_window?.end ?? '18:00',
    duration_minutes: String(plan.duration_minutes ?? 60),
    required_skill: plan.required_skill ?? '',
    season_start: plan.seasons?.[0]?.start_month_day ?? '',
    season_end: plan.seasons?.[0]?.end_month_day ?? '',
    season_name: plan.seasons?.[0]?.name ?? '',
    season_rrule: plan.seasons?.[0]?.rrule ?? '',
    other_seasons: plan.seasons?.slice(1) ?? [],
    description: plan.description ?? '',
  }))
}

/** The plans as the API takes them: a plan runs during its seasons (all year without). */
export function planBodies(plans: PlanDraft[]): PlanBody[] {
  return plans.map((plan) => ({
    id: plan.id,
    site_id: plan.site_id,
    label: plan.label.trim(),
    description: plan.description.trim(),
    rrule: plan.rrule.trim(),
    seasons:
      plan.season_start && plan.season_end
        ? [
            { name: plan.season_name || 'Saison', start_month_day: plan.season_start, end_month_day: plan.season_end, rrule: plan.season_rrule },
            ...plan.other_seasons,
          ]
        : plan.other_seasons,
    time_window: { start: plan.window_start, end: plan.window_end },
    duration_minutes: Number(plan.duration_minutes),
    required_skill: plan.required_skill.trim().toLowerCase(),
    next_from_completion: false,
  }))
}

/** Errors of the plans alone (the plan editor of an active contract). */
export function planErrors(plans: PlanDraft[], siteIds: string[]): Errors {
  const errors: Errors = {}
  plans.forEach((plan, index) => Object.assign(errors, prefixed(`plans.${index}`, onePlanErrors(plan, siteIds))))
  return errors
}

export function contractDraft(contract?: Schemas['Contract'] | null, customerId = ''): ContractDraft {
  if (!contract) {
    return {
      customer_id: customerId,
      site_ids: [],
      billing_frequency: 'monthly',
      billing_timing: 'in_advance',
      payment_days: '30',
      end_of_month: false,
      start_date: '',
      end_date: '',
      tacit_renewal: false,
      renewal_term_months: '12',
      notice_period_days: '0',
      sla_hours: '48',
      notes: '',
      lines: [emptyLine()],
      plans: [],
    }
  }
  return {
    customer_id: contract.customer_id,
    site_ids: [...contract.site_ids],
    billing_frequency: contract.billing_frequency ?? 'monthly',
    billing_timing: contract.billing_timing ?? 'in_advance',
    payment_days: String(contract.payment_terms?.days ?? 30),
    end_of_month: contract.payment_terms?.end_of_month ?? false,
    start_date: contract.start_date ?? '',
    end_date: contract.end_date ?? '',
    tacit_renewal: contract.tacit_renewal,
    renewal_term_months: String(contract.renewal_term_months),
    notice_period_days: String(contract.notice_period_days),
    sla_hours: String(contract.sla_hours),
    notes: contract.notes,
    lines: contract.lines.map((line) => ({
      product_code: line.product_code,
      label: line.label,
      quantity: line.quantity,
      unit_price: centsToInput(line.unit_price?.amount_cents ?? 0),
      vat_rate: line.vat_rate,
      site_id: line.site_id,
    })),
    plans: planDrafts(contract.plans),
  }
}

const MONTH_DAY = /^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/

export function contractErrors(draft: ContractDraft): Errors {
  const errors = validate(draft as unknown as Record<string, unknown>, {
    customer_id: [required],
    site_ids: [required],
    start_date: [required, isoDate],
    end_date: [isoDate],
    'payment_days': [required, integer({ min: 0, max: 60 })],
    renewal_term_months: [integer({ min: 1, max: 60 })],
    notice_period_days: [integer({ min: 0, max: 365 })],
    sla_hours: [integer({ min: 0, max: 720 })],
  })
  if (errors.payment_days) {
    errors['payment_terms.days'] = errors.payment_days
    delete errors.payment_days
  }
  if (draft.end_date && draft.start_date && draft.end_date < draft.start_date) {
    errors.end_date = 'Ne doit pas précéder la date de début'
  }
  if (draft.tacit_renewal && !draft.end_date) {
    errors.end_date = 'Obligatoire avec la tacite reconduction (fin de la première période)'
  }
  if (draft.lines.length === 0) errors.lines = 'Au moins une ligne'
  draft.lines.forEach((line, index) => {
    Object.assign(
      errors,
      prefixed(`lines.${index}`, validate(line as unknown as Record<string, unknown>, {
        product_code: [required, (v) => (/^[A-Za-z0-9._-]{1,40}$/.test(String(v)) ? null : 'Lettres, chiffres, . - _')],
        label: [required, maxLength(300)],
        quantity: [required, decimal({ min: 0.001, max: 1_000_000 })],
        unit_price: [required, euros],
        vat_rate: [required, vatRate],
      })),
    )
  })
  Object.assign(errors, planErrors(draft.plans, draft.site_ids))
  return errors
}

function onePlanErrors(plan: PlanDraft, siteIds: string[]): Errors {
  const planErrors = validate(plan as unknown as Record<string, unknown>, {
    site_id: [required],
    label: [required, maxLength(200)],
    rrule: [required, (v) => (/^FREQ=/.test(String(v)) ? null : 'Règle RRULE (ex. FREQ=WEEKLY;BYDAY=MO)')],
    duration_minutes: [required, integer({ min: 5, max: 720 })],
  })
  for (const key of ['window_start', 'window_end'] as const) {
    const message = required(plan[key]) ?? timeOfDay(plan[key])
    if (message) planErrors[`time_window.${key === 'window_start' ? 'start' : 'end'}`] = message
  }
  if (!planErrors['time_window.start'] && !planErrors['time_window.end'] && plan.window_end <= plan.window_start) {
    planErrors['time_window'] = 'La fin doit être après le début'
  }
  if (plan.site_id && !siteIds.includes(plan.site_id)) planErrors.site_id = "Ce site n'est pas rattaché au contrat"
  const seasonGiven = plan.season_start !== '' || plan.season_end !== ''
  if (seasonGiven) {
    if (!MONTH_DAY.test(plan.season_start)) planErrors['seasons.0.start_month_day'] = 'Jour au format MM-JJ'
    if (!MONTH_DAY.test(plan.season_end)) planErrors['seasons.0.end_month_day'] = 'Jour au format MM-JJ'
  }
  return planErrors
}

function prefixed(prefix: string, errors: Errors): Errors {
  const result: Errors = {}
  for (const [key, message] of Object.entries(errors)) result[`${prefix}.${key}`] = message
  return result
}

export function contractBody(draft: ContractDraft): ContractBody {
  return {
    customer_id: draft.customer_id,
    site_ids: draft.site_ids,
    billing_frequency: draft.billing_frequency,
    billing_timing: draft.billing_timing,
    payment_terms: { days: Number(draft.payment_days), end_of_month: draft.end_of_month },
    start_date: draft.start_date,
    end_date: draft.end_date || null,
    tacit_renewal: draft.tacit_renewal,
    renewal_term_months: Number(draft.renewal_term_months || 12),
    notice_period_days: Number(draft.notice_period_days || 0),
    sla_hours: Number(draft.sla_hours || 0),
    notes: draft.notes,
    lines: draft.lines.map((line) => ({
      product_code: line.product_code.trim(),
      label: line.label.trim(),
      quantity: String(parseDecimal(line.quantity) ?? line.quantity),
      unit_code: 'C62',
      unit_price: { amount_cents: parseEuros(line.unit_price) ?? 0, currency: 'EUR' },
      vat_rate: line.vat_rate,
      site_id: line.site_id,
    })),
    plans: planBodies(draft.plans),
  }
}

// -- corrective intervention ------------------------------------------------------------------------

export interface CorrectiveDraft {
  contract_id: string
  site_id: string
  priority: CorrectiveBody['priority']
  problem_description: string
  billable: boolean
  planned_date: string
  window_start: string
  window_end: string
  estimated_minutes: string
  required_skill: string
}

export function correctiveErrors(draft: CorrectiveDraft): Errors {
  const errors = validate(draft as unknown as Record<string, unknown>, {
    contract_id: [required],
    site_id: [required],
    priority: [required],
    problem_description: [required, maxLength(4000)],
    planned_date: [isoDate],
    window_start: [timeOfDay],
    window_end: [timeOfDay],
    estimated_minutes: [required, integer({ min: 5, max: 720 })],
  })
  if (!errors.window_start && !errors.window_end && draft.window_start && draft.window_end && draft.window_end <= draft.window_start) {
    errors.window_end = 'La fin doit être après le début'
  }
  return errors
}

export function correctiveBody(draft: CorrectiveDraft): CorrectiveBody {
  return {
    contract_id: draft.contract_id,
    site_id: draft.site_id,
    priority: draft.priority,
    problem_description: draft.problem_description.trim(),
    billable: draft.billable,
    planned_date: draft.planned_date || null,
    window_start: draft.window_start || null,
    window_end: draft.window_end || null,
    estimated_minutes: Number(draft.estimated_minutes),
    required_skill: draft.required_skill.trim().toLowerCase(),
  }
}

// -- technician report ----------------------------------------------------------------------------

/** A part on the phone. The technician never types a price: a catalogue item takes the
 * catalogue's (shown only), a free-text part is priced by the office in the review queue. */
export interface PartDraft {
  description: string
  quantity: string
  unit: string
  billable: boolean
  /** The catalogue item picked; absent for a free-text part. */
  product_id?: string
  product_code?: string
  /** Catalogue price when picked, for display only (the server applies its own). */
  catalogue_price_cents?: number | null
}

export interface ReportDraft {
  measurements: MeasurementInput
  actions: string
  parts: PartDraft[]
  time_spent_minutes: string
  notes: string
  customer_name: string
  customer_signature: string | null
  technician_name: string
  technician_signature: string | null
  customer_absent: boolean
  customer_absence_reason: string
  customer_signed_at: string | null
  technician_signed_at: string | null
}

export function emptyReport(technicianName = ''): ReportDraft {
  return {
    measurements: {},
    actions: '',
    parts: [],
    time_spent_minutes: '',
    notes: '',
    customer_name: '',
    customer_signature: null,
    technician_name: technicianName,
    technician_signature: null,
    customer_absent: false,
    customer_absence_reason: '',
    customer_signed_at: null,
    technician_signed_at: null,
  }
}

/** Checks of the report itself (saved while working). */
export function reportErrors(draft: ReportDraft): Errors {
  const errors: Errors = { ...(checkMeasurements(draft.measurements).errors as Errors) }
  draft.parts.forEach((part, index) => {
    Object.assign(
      errors,
      prefixed(`parts.${index}`, validate({ ...part }, {
        description: [required, maxLength(200)],
        quantity: [
          required,
          (v) => (/^\d{1,6}([.,]\d{1,3})?$/.test(String(v).trim()) ? null : 'Quantité (ex. 2,5)'),
          (v) => (Number(String(v).trim().replace(',', '.')) > 0 ? null : 'Quantité supérieure à zéro'),
        ],
      })),
    )
  })
  const time = integer({ min: 1, max: 1440 })(draft.time_spent_minutes)
  if (time) errors.time_spent_minutes = time
  draft.actions
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .forEach((line, index) => {
      if (line.length > 500) errors[`actions.${index}`] = '500 caractères au maximum par ligne'
    })
  return errors
}

/** Checks before completion: the report plus the signatures. */
export function completionErrors(draft: ReportDraft): Errors {
  const errors = reportErrors(draft)
  if (!draft.technician_name.trim()) errors['technician_signature.signer_name'] = 'Nom du technicien obligatoire'
  if (!draft.technician_signature) errors['technician_signature.png_base64'] = 'Signature du technicien obligatoire'
  if (draft.customer_absent) {
    if (!draft.customer_absence_reason.trim()) errors.customer_absence_reason = "Indiquez pourquoi le client n'a pas signé"
  } else {
    if (!draft.customer_name.trim()) errors['customer_signature.signer_name'] = 'Nom du client obligatoire'
    if (!draft.customer_signature) errors['customer_signature.png_base64'] = 'Signature du client obligatoire (ou cochez « client absent »)'
  }
  return errors
}

export function reportBody(draft: ReportDraft): ReportBody {
  const { values } = checkMeasurements(draft.measurements)
  const parts: NonNullable<ReportBody['parts']>[number][] = draft.parts.map((part) => ({
    description: part.description.trim(),
    product_code: part.product_code ?? '',
    product_id: part.product_id ?? '',
    quantity: part.quantity.trim().replace(',', '.'),
    unit: part.unit.trim(),
    // No price from the phone: the catalogue's, or the office's in the review queue.
    unit_price_cents: 0,
    billable: part.billable,
  }))
  const minutes = draft.time_spent_minutes.trim()
  return {
    measurements: values,
    actions: draft.actions
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
    parts,
    // Left out when empty: the server computes it from the start and the end.
    time_spent_minutes: minutes ? Number(minutes) : undefined,
    notes: draft.notes,
  }
}

export function completionBody(draft: ReportDraft, completedAt = new Date().toISOString()): CompleteBody {
  const technicianSignedAt = draft.technician_signed_at ?? completedAt
  return {
    technician_signature: {
      signer_name: draft.technician_name.trim(),
      signed_at: technicianSignedAt,
      png_base64: draft.technician_signature ?? '',
    },
    customer_signature: draft.customer_absent
      ? null
      : {
          signer_name: draft.customer_name.trim(),
          signed_at: draft.customer_signed_at ?? completedAt,
          png_base64: draft.customer_signature ?? '',
        },
    customer_absent: draft.customer_absent,
    customer_absence_reason: draft.customer_absent ? draft.customer_absence_reason.trim() : '',
    completed_at: completedAt,
  }
}

// -- invoices -------------------------------------------------------------------------------------

export interface InvoiceLineDraft {
  description: string
  quantity: string
  unit_price: string
  discount_percent: string
  vat_rate: string
  exemption_reason: string
}

export interface InvoiceDraft {
  customer_id: string
  contract_id: string
  operation_category: InvoiceBody['operation_category']
  purchase_order: string
  contract_reference: string
  note: string
  delivery_date: string
  payment_days: string
  end_of_month: boolean
  lines: InvoiceLineDraft[]
}

export function emptyInvoiceLine(): InvoiceLineDraft {
  return { description: '', quantity: '1', unit_price: '', discount_percent: '', vat_rate: '20', exemption_reason: '' }
}

export function invoiceDraft(invoice?: Schemas['Invoice'] | null, customerId = ''): InvoiceDraft {
  if (!invoice) {
    return {
      customer_id: customerId,
      contract_id: '',
      operation_category: 'services',
      purchase_order: '',
      contract_reference: '',
      note: '',
      delivery_date: '',
      payment_days: '30',
      end_of_month: false,
      lines: [emptyInvoiceLine()],
    }
  }
  return {
    customer_id: invoice.customer_id,
    contract_id: invoice.contract_id,
    operation_category: invoice.operation_category ?? undefined,
    purchase_order: invoice.purchase_order,
    contract_reference: invoice.contract_reference,
    note: invoice.note,
    delivery_date: invoice.delivery_date ?? '',
    payment_days: String(invoice.payment_terms?.days ?? 30),
    end_of_month: invoice.payment_terms?.end_of_month ?? false,
    lines: invoice.lines.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unit_price: centsToInput(line.unit_price_cents),
      discount_percent: line.discount_percent,
      vat_rate: line.vat_rate.replace(/\.0+$/, ''),
      exemption_reason: line.exemption_reason,
    })),
  }
}

export function invoiceErrors(draft: InvoiceDraft): Errors {
  const errors = validate(draft as unknown as Record<string, unknown>, {
    customer_id: [required],
    delivery_date: [isoDate],
    payment_days: [required, integer({ min: 0, max: 60 })],
  })
  if (errors.payment_days) {
    errors['payment_terms.days'] = errors.payment_days
    delete errors.payment_days
  }
  if (draft.lines.length === 0) errors.lines = 'Au moins une ligne'
  draft.lines.forEach((line, index) => {
    const lineErrors = validate(line as unknown as Record<string, unknown>, {
      description: [required, maxLength(1000)],
      quantity: [required, decimal({ min: 0.001 })],
      unit_price: [required, euros],
      discount_percent: [decimal({ min: 0, max: 100 })],
      vat_rate: [required, vatRate],
    })
    if (line.vat_rate === '0' && !line.exemption_reason.trim()) {
      lineErrors.exemption_reason = "Mention d'exonération obligatoire à 0 %"
    }
    Object.assign(errors, prefixed(`lines.${index}`, lineErrors))
  })
  return errors
}

export function invoiceBody(draft: InvoiceDraft): InvoiceBody {
  return {
    customer_id: draft.customer_id,
    contract_id: draft.contract_id,
    operation_category: draft.operation_category,
    purchase_order: draft.purchase_order.trim(),
    contract_reference: draft.contract_reference.trim(),
    note: draft.note,
    delivery_date: draft.delivery_date || null,
    payment_terms: { days: Number(draft.payment_days), end_of_month: draft.end_of_month },
    lines: draft.lines.map((line) => ({
      description: line.description.trim(),
      quantity: String(parseDecimal(line.quantity) ?? line.quantity),
      unit_code: 'C62',
      unit_price: { amount_cents: parseEuros(line.unit_price) ?? 0, currency: 'EUR' },
      discount_percent: line.discount_percent.trim() ? String(parseDecimal(line.discount_percent)) : '',
      vat_rate: line.vat_rate,
      exemption_reason: line.vat_rate === '0' ? line.exemption_reason.trim() : '',
      exemption_code: '',
    })),
  }
}

/** Net amount of a draft line in cents (quantity × price, less the discount), for display. */
export function lineNetCents(line: InvoiceLineDraft): number {
  const price = parseEuros(line.unit_price) ?? 0
  const quantity = parseDecimal(line.quantity) ?? 0
  const discount = parseDecimal(line.discount_percent) ?? 0
  return Math.round(price * quantity * (1 - discount / 100))
}
