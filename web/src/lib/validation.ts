// Form validation in the browser, before anything is sent. Errors are keyed like the gateway's
// problem+json `errors` (dotted paths such as `lines.0.label`), so one field shows either.
import { parseDecimal, parseEuros } from './format'

export type Errors = Record<string, string>
/** A rule returns a French message when the value is wrong, else null. */
export type Rule = (value: unknown) => string | null

function isBlank(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '')
}

export const required: Rule = (value) =>
  isBlank(value) || (Array.isArray(value) && value.length === 0) ? 'Champ obligatoire' : null

export function maxLength(max: number): Rule {
  return (value) =>
    typeof value === 'string' && value.length > max ? `${max} caractères au maximum` : null
}

export function minLength(min: number): Rule {
  return (value) =>
    typeof value === 'string' && !isBlank(value) && value.length < min
      ? `${min} caractères au minimum`
      : null
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export const email: Rule = (value) =>
  isBlank(value) || (typeof value === 'string' && EMAIL.test(value.trim()))
    ? null
    : 'Adresse e-mail invalide'

/** Luhn checksum used by SIREN and SIRET numbers. */
export function luhnValid(digits: string): boolean {
  let sum = 0
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index])
    if (index % 2 === 1) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
  }
  return sum % 10 === 0
}

/** Without spaces, dots or dashes, as people type identifiers ("123 456 789"). */
export function compactIdentifier(value: string): string {
  return value.replace(/[\s.-]/g, '').toUpperCase()
}

export const siren: Rule = (value) => {
  if (isBlank(value)) return null
  const digits = compactIdentifier(String(value))
  if (!/^\d{9}$/.test(digits)) return 'Le SIREN a 9 chiffres'
  return luhnValid(digits) ? null : 'SIREN invalide (clé de contrôle)'
}

export const siret: Rule = (value) => {
  if (isBlank(value)) return null
  const digits = compactIdentifier(String(value))
  if (!/^\d{14}$/.test(digits)) return 'Le SIRET a 14 chiffres'
  // La Poste's establishments share one SIREN and use another key: digit sum divisible by 5.
  const valid = digits.startsWith('356000000')
    ? [...digits].reduce((sum, digit) => sum + Number(digit), 0) % 5 === 0
    : luhnValid(digits)
  return valid ? null : 'SIRET invalide (clé de contrôle)'
}

export const postalCode: Rule = (value) =>
  isBlank(value) || /^\d{5}$/.test(String(value).trim()) ? null : 'Code postal à 5 chiffres'

/** A decimal number typed with a comma or a dot, optionally bounded. */
export function decimal(options: { min?: number; max?: number } = {}): Rule {
  return (value) => {
    if (isBlank(value)) return null
    const number = parseDecimal(value as string | number)
    if (number === null) return 'Nombre attendu (ex. 7,2)'
    if (options.min !== undefined && number < options.min) return `Minimum ${options.min}`
    if (options.max !== undefined && number > options.max) return `Maximum ${options.max}`
    return null
  }
}

export function integer(options: { min?: number; max?: number } = {}): Rule {
  return (value) => {
    if (isBlank(value)) return null
    const text = String(value).trim()
    if (!/^-?\d+$/.test(text)) return 'Nombre entier attendu'
    const number = Number(text)
    if (options.min !== undefined && number < options.min) return `Minimum ${options.min}`
    if (options.max !== undefined && number > options.max) return `Maximum ${options.max}`
    return null
  }
}

/** An amount in euros ("89,50"). */
export const euros: Rule = (value) => {
  if (isBlank(value)) return null
  return parseEuros(String(value)) === null ? 'Montant attendu (ex. 89,50)' : null
}

export const isoDate: Rule = (value) =>
  isBlank(value) || /^\d{4}-\d{2}-\d{2}$/.test(String(value)) ? null : 'Date invalide'

export const timeOfDay: Rule = (value) =>
  isBlank(value) || /^([01]\d|2[0-3]):[0-5]\d$/.test(String(value)) ? null : 'Heure HH:MM'

export const VAT_RATES = ['20', '10', '5.5', '2.1', '0'] as const
export const vatRate: Rule = (value) =>
  isBlank(value) || (VAT_RATES as readonly string[]).includes(String(value))
    ? null
    : 'Taux de TVA : 20, 10, 5,5, 2,1 ou 0'

/** Runs rules per field; the first failing rule of a field gives its message. */
export function validate(values: Record<string, unknown>, rules: Record<string, Rule[]>): Errors {
  const errors: Errors = {}
  for (const [field, fieldRules] of Object.entries(rules)) {
    const value = field in values ? values[field] : getPath(values, field)
    for (const rule of fieldRules) {
      const message = rule(value)
      if (message) {
        errors[field] = message
        break
      }
    }
  }
  return errors
}

/** Reads `lines.0.label` from nested objects and arrays. */
export function getPath(source: unknown, path: string): unknown {
  let current: unknown = source
  for (const key of path.split('.')) {
    if (current === null || current === undefined) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

export function hasErrors(errors: Errors): boolean {
  return Object.keys(errors).length > 0
}
