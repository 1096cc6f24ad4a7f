// Water measurements of a report: what each is, its physical range (outside: refused, a typing
// error) and its recommended range (outside: a warning on the report). Same limits as the
// intervention service, so the technician sees the warning before sending.
import { formatNumber, parseDecimal } from './format'

export type MeasurementField =
  | 'ph'
  | 'free_chlorine_mg_l'
  | 'total_chlorine_mg_l'
  | 'tac_mg_l'
  | 'cyanuric_acid_mg_l'
  | 'salt_g_l'
  | 'temperature_c'

export interface MeasurementRule {
  field: MeasurementField
  label: string
  unit: string
  step: string
  physical: [number, number]
  recommended: [number, number]
}

export const MEASUREMENT_RULES: MeasurementRule[] = [
  { field: 'ph', label: 'pH', unit: '', step: '0.1', physical: [0, 14], recommended: [7.0, 7.6] },
  { field: 'free_chlorine_mg_l', label: 'Chlore libre', unit: 'mg/L', step: '0.1', physical: [0, 20], recommended: [1.0, 3.0] },
  { field: 'total_chlorine_mg_l', label: 'Chlore total', unit: 'mg/L', step: '0.1', physical: [0, 20], recommended: [1.0, 3.6] },
  { field: 'tac_mg_l', label: 'TAC', unit: 'mg/L CaCO₃', step: '1', physical: [0, 500], recommended: [80, 150] },
  { field: 'cyanuric_acid_mg_l', label: 'Stabilisant', unit: 'mg/L', step: '1', physical: [0, 300], recommended: [20, 75] },
  { field: 'salt_g_l', label: 'Sel', unit: 'g/L', step: '0.1', physical: [0, 50], recommended: [3.0, 6.0] },
  { field: 'temperature_c', label: 'Température', unit: '°C', step: '0.5', physical: [0, 50], recommended: [10, 32] },
]

/** Combined chlorine (total - free) above this calls for a shock treatment. */
export const MAX_COMBINED_CHLORINE = 0.6

export type MeasurementInput = Partial<Record<MeasurementField, string>>
export type MeasurementValues = Partial<Record<MeasurementField, number>>

export interface MeasurementCheck {
  values: MeasurementValues
  /** Refused: not a number, outside the physical range, total below free chlorine. */
  errors: Partial<Record<string, string>>
  /** Accepted but outside the recommended range. */
  warnings: Partial<Record<MeasurementField, string>>
}

function unitSuffix(rule: MeasurementRule): string {
  return rule.unit ? ` ${rule.unit}` : ''
}

export function checkMeasurements(input: MeasurementInput): MeasurementCheck {
  const values: MeasurementValues = {}
  const errors: Record<string, string> = {}
  const warnings: Partial<Record<MeasurementField, string>> = {}
  for (const rule of MEASUREMENT_RULES) {
    const text = input[rule.field]
    if (text === undefined || text.trim() === '') continue
    const value = parseDecimal(text)
    const key = `measurements.${rule.field}`
    if (value === null) {
      errors[key] = 'Nombre attendu (ex. 7,2)'
      continue
    }
    const [low, high] = rule.physical
    if (value < low || value > high) {
      errors[key] = `Entre ${formatNumber(low)} et ${formatNumber(high)}${unitSuffix(rule)}`
      continue
    }
    values[rule.field] = value
    const [recLow, recHigh] = rule.recommended
    if (value < recLow || value > recHigh) {
      const side = value < recLow ? 'au-dessous' : 'au-dessus'
      warnings[rule.field] =
        `${formatNumber(value)}${unitSuffix(rule)} ${side} de la plage recommandée ` +
        `(${formatNumber(recLow)} à ${formatNumber(recHigh)}${unitSuffix(rule)})`
    }
  }
  const free = values.free_chlorine_mg_l
  const total = values.total_chlorine_mg_l
  if (free !== undefined && total !== undefined) {
    if (total < free) {
      errors['measurements.total_chlorine_mg_l'] = 'Le chlore total ne peut pas être inférieur au chlore libre'
      delete values.total_chlorine_mg_l
    } else if (total - free > MAX_COMBINED_CHLORINE && !warnings.total_chlorine_mg_l) {
      warnings.total_chlorine_mg_l =
        `Chlore combiné ${formatNumber(total - free)} mg/L : chloration choc conseillée`
    }
  }
  return { values, errors, warnings }
}
