// The water parameters as the office reads them: French names and units, in the order of the
// technician's water test; visit types and sources of a target range in French.
import type { Schemas } from '@/api/client'

export type WaterParameter = NonNullable<Schemas['TargetRange']['parameter']>
export type VisitType = NonNullable<Schemas['ChecklistTemplate']['visit_type']>

export const PARAMETERS: { key: WaterParameter; label: string; unit: string }[] = [
  { key: 'ph', label: 'pH', unit: '' },
  { key: 'free_chlorine', label: 'Chlore libre', unit: 'mg/L' },
  { key: 'total_chlorine', label: 'Chlore total', unit: 'mg/L' },
  { key: 'combined_chlorine', label: 'Chlore combiné', unit: 'mg/L' },
  { key: 'total_bromine', label: 'Brome total', unit: 'mg/L' },
  { key: 'total_alkalinity', label: 'TAC (alcalinité)', unit: 'mg/L CaCO3' },
  { key: 'calcium_hardness', label: 'Dureté calcique', unit: 'mg/L CaCO3' },
  { key: 'cyanuric_acid', label: 'Stabilisant (acide cyanurique)', unit: 'mg/L' },
  { key: 'salt', label: 'Sel', unit: 'g/L' },
  { key: 'temperature', label: 'Température', unit: '°C' },
  { key: 'tds', label: 'Solides dissous (TDS)', unit: 'mg/L' },
]

export const VISIT_TYPES: { key: VisitType; label: string }[] = [
  { key: 'weekly', label: 'Visite d’entretien' },
  { key: 'winterising', label: 'Hivernage' },
  { key: 'spring_restart', label: 'Remise en route' },
  { key: 'breakdown', label: 'Dépannage' },
]

export const SOURCE_LABELS: Record<string, string> = {
  default: 'valeur par défaut',
  company: 'entreprise',
  site: 'site',
  installation: 'installation',
  regulation: 'réglementation',
}

/** "7,2 – 7,6", "≤ 1 500", "≥ 1" or "—". */
export function formatRange(low: number | null | undefined, high: number | null | undefined): string {
  const n = (value: number) => value.toLocaleString('fr-FR', { maximumFractionDigits: 2 })
  if (low != null && high != null) return `${n(low)} – ${n(high)}`
  if (high != null) return `≤ ${n(high)}`
  if (low != null) return `≥ ${n(low)}`
  return '—'
}
