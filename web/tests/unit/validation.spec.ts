import { describe, expect, it } from 'vitest'
import {
  compactIdentifier,
  decimal,
  email,
  euros,
  luhnValid,
  postalCode,
  required,
  siren,
  siret,
  timeOfDay,
  validate,
  vatRate,
} from '@/lib/validation'
import { centsToInput, formatCents, parseDecimal, parseEuros } from '@/lib/format'
import { translateMessage, describeError } from '@/lib/problems'
import { ApiError, NetworkError } from '@/api/http'

describe('rules', () => {
  it('requires a value, ignoring blanks', () => {
    expect(required('')).toBe('Champ obligatoire')
    expect(required('   ')).toBe('Champ obligatoire')
    expect(required([])).toBe('Champ obligatoire')
    expect(required('x')).toBeNull()
    expect(required(0)).toBeNull()
  })

  it('checks emails, postal codes and times', () => {
    expect(email('a@b.fr')).toBeNull()
    expect(email('a@b')).toBe('Adresse e-mail invalide')
    expect(email('')).toBeNull()
    expect(postalCode('06600')).toBeNull()
    expect(postalCode('6600')).toBe('Code postal à 5 chiffres')
    expect(timeOfDay('08:30')).toBeNull()
    expect(timeOfDay('24:00')).toBe('Heure HH:MM')
    expect(timeOfDay('8:30')).toBe('Heure HH:MM')
  })

  it('checks SIREN and SIRET keys as people type them', () => {
    expect(compactIdentifier('732 829.320')).toBe('732829320')
    expect(luhnValid('732829320')).toBe(true)
    expect(siren('732 829 320')).toBeNull()
    expect(siren('732829321')).toBe('SIREN invalide (clé de contrôle)')
    expect(siren('12345')).toBe('Le SIREN a 9 chiffres')
    expect(siret('73282932000074')).toBeNull()
    expect(siret('73282932000075')).toBe('SIRET invalide (clé de contrôle)')
    // La Poste: digit sum divisible by 5, not Luhn.
    expect(siret('35600000000001')).toBeNull()
    expect(siret('35600000000002')).toBe('SIRET invalide (clé de contrôle)')
  })

  it('reads decimals and euro amounts with a comma, into integer cents', () => {
    expect(parseDecimal('7,2')).toBe(7.2)
    expect(parseDecimal('7.2')).toBe(7.2)
    expect(parseDecimal('')).toBeNull()
    expect(parseDecimal('7,2,1')).toBeNull()
    expect(parseEuros('89')).toBe(8900)
    expect(parseEuros('89,5')).toBe(8950)
    expect(parseEuros('1 234,56 €')).toBe(123456)
    expect(parseEuros('0,07')).toBe(7)
    expect(parseEuros('19.99')).toBe(1999)
    expect(parseEuros('1,234')).toBeNull()
    expect(parseEuros('abc')).toBeNull()
    expect(centsToInput(8950)).toBe('89,50')
    expect(centsToInput(-5)).toBe('-0,05')
    expect(formatCents(123456).replace(/\s/g, ' ')).toBe('1 234,56 €')
    expect(euros('12,345')).toBe('Montant attendu (ex. 89,50)')
    expect(decimal({ min: 0, max: 14 })('15')).toBe('Maximum 14')
    expect(vatRate('5.5')).toBeNull()
    expect(vatRate('19.6')).toBe('Taux de TVA : 20, 10, 5,5, 2,1 ou 0')
  })

  it('validates fields by dotted path, flat or nested', () => {
    const errors = validate(
      { 'billing_address.city': '', nested: { value: '' }, fine: 'ok' },
      { 'billing_address.city': [required], 'nested.value': [required], fine: [required] },
    )
    expect(errors).toEqual({ 'billing_address.city': 'Champ obligatoire', 'nested.value': 'Champ obligatoire' })
  })
})

describe('server messages', () => {
  it('translates the validation messages of the gateway', () => {
    expect(translateMessage('Field required')).toBe('Champ obligatoire')
    expect(translateMessage('String should have at most 200 characters')).toBe('200 caractères au maximum')
    expect(translateMessage('invalid email or password')).toBe('E-mail ou mot de passe incorrect')
    expect(translateMessage('something new')).toBe('something new')
  })

  it('places problem+json field errors on their fields', () => {
    const described = describeError(
      new ApiError({ status: 422, detail: 'invalid customer', errors: { vat_number: 'invalid French VAT number (key does not match the SIREN)' } }),
    )
    expect(described.message).toBe('Certains champs sont invalides.')
    expect(described.fields.vat_number).toBe('N° de TVA français invalide (la clé ne correspond pas au SIREN)')
  })

  it('explains network failures and server errors without internals', () => {
    expect(describeError(new NetworkError()).retryable).toBe(true)
    const server = describeError(new ApiError({ status: 500, detail: 'internal error', request_id: 'r-1' }))
    expect(server.message).toBe('Erreur du serveur (500). (réf. r-1)')
    expect(describeError(new ApiError({ status: 409, detail: 'the contract is not a draft' })).message).toBe('the contract is not a draft')
  })
})
