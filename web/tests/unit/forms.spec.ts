import { describe, expect, it } from 'vitest'
import {
  completionBody,
  completionErrors,
  contractBody,
  contractDraft,
  contractErrors,
  customerBody,
  customerDraft,
  customerErrors,
  emptyPlan,
  emptyReport,
  invoiceBody,
  invoiceDraft,
  invoiceErrors,
  reportBody,
  reportErrors,
  siteErrors,
  siteDraft,
} from '@/lib/forms'
import { checkMeasurements } from '@/lib/measurements'

describe('customer form', () => {
  it('asks for the name and a full French address', () => {
    const errors = customerErrors(customerDraft())
    expect(errors).toMatchObject({
      name: 'Champ obligatoire',
      'billing_address.lines': 'Champ obligatoire',
      'billing_address.postal_code': 'Champ obligatoire',
      'billing_address.city': 'Champ obligatoire',
    })
  })

  it('checks business identifiers only for businesses and sends them compacted as typed', () => {
    const draft = { ...customerDraft(), name: 'Les Oliviers', legal_form: 'SCI', line1: '1 rue A', postal_code: '06600', city: 'Antibes', type: 'business' as const, siren: '732 829 321' }
    expect(customerErrors({ ...draft, legal_form: '' }).legal_form).toBe('Champ obligatoire')
    expect(customerErrors(draft).siren).toBe('SIREN invalide (clé de contrôle)')
    draft.siren = '732 829 320'
    expect(customerErrors(draft)).toEqual({})
    expect(customerBody({ ...draft, type: 'private' }).siren).toBe('')
    expect(customerBody(draft).billing_address).toEqual({ lines: ['1 rue A'], postal_code: '06600', city: 'Antibes', country: 'FR' })
  })

  it('requires a SIREN from a French business', () => {
    const draft = { ...customerDraft(), name: 'SARL X', line1: '1 rue A', postal_code: '06600', city: 'Antibes', type: 'business' as const }
    expect(customerErrors(draft).siren).toBe('Obligatoire pour une entreprise française')
  })
})

describe('site form', () => {
  it('wants latitude and longitude together and in range, under the server paths', () => {
    const draft = { ...siteDraft(), name: 'Villa', line1: '1 rue', postal_code: '06600', city: 'Antibes', latitude: '95' }
    const errors = siteErrors(draft)
    expect(errors['geo.latitude']).toBe('Maximum 90')
    expect(errors.geo).toBe('Latitude et longitude vont ensemble')
  })
})

describe('contract form', () => {
  function valid() {
    const draft = contractDraft(null, 'c-1')
    draft.site_ids = ['s-1']
    draft.start_date = '2026-05-01'
    draft.lines = [{ product_code: 'ENTRETIEN', label: 'Entretien', quantity: '1', unit_price: '89,50', vat_rate: '20', site_id: 's-1' }]
    draft.plans = [emptyPlan('s-1')]
    return draft
  }

  it('accepts a complete draft and sends cents and decimal strings', () => {
    const draft = valid()
    expect(contractErrors(draft)).toEqual({})
    const body = contractBody(draft)
    expect(body.lines?.[0]?.unit_price).toEqual({ amount_cents: 8950, currency: 'EUR' })
    expect(body.plans?.[0]?.time_window).toEqual({ start: '08:00', end: '18:00' })
    expect(body.end_date).toBeNull()
  })

  it('names each wrong line and plan field like the server does', () => {
    const draft = valid()
    draft.lines[0]!.unit_price = '89,999'
    draft.lines[0]!.vat_rate = '19.6'
    draft.plans[0]!.window_end = '07:00'
    draft.plans[0]!.site_id = 's-unknown'
    const errors = contractErrors(draft)
    expect(errors['lines.0.unit_price']).toBe('Montant attendu (ex. 89,50)')
    expect(errors['lines.0.vat_rate']).toBe('Taux de TVA : 20, 10, 5,5, 2,1 ou 0')
    expect(errors['plans.0.time_window']).toBe('La fin doit être après le début')
    expect(errors['plans.0.site_id']).toBe("Ce site n'est pas rattaché au contrat")
  })

  it('requires an end date with tacit renewal and no end before the start', () => {
    const draft = valid()
    draft.tacit_renewal = true
    expect(contractErrors(draft).end_date).toContain('tacite reconduction')
    draft.end_date = '2026-04-01'
    expect(contractErrors(draft).end_date).toBe('Ne doit pas précéder la date de début')
  })

  it('limits payment terms to 60 days', () => {
    const draft = valid()
    draft.payment_days = '90'
    expect(contractErrors(draft)['payment_terms.days']).toBe('Maximum 60')
  })
})

describe('water measurements', () => {
  it('warns outside the recommended range and refuses impossible values', () => {
    const check = checkMeasurements({ ph: '7,9', free_chlorine_mg_l: '1,5', total_chlorine_mg_l: '1,2', salt_g_l: '60', tac_mg_l: 'abc' })
    expect(check.warnings.ph).toBe('7,9 au-dessus de la plage recommandée (7 à 7,6)')
    expect(check.errors['measurements.salt_g_l']).toBe('Entre 0 et 50 g/L')
    expect(check.errors['measurements.tac_mg_l']).toBe('Nombre attendu (ex. 7,2)')
    expect(check.errors['measurements.total_chlorine_mg_l']).toBe('Le chlore total ne peut pas être inférieur au chlore libre')
    expect(check.values).toEqual({ ph: 7.9, free_chlorine_mg_l: 1.5 })
  })

  it('advises a shock treatment when combined chlorine is high', () => {
    const check = checkMeasurements({ free_chlorine_mg_l: '1', total_chlorine_mg_l: '1,8' })
    expect(check.warnings.total_chlorine_mg_l).toContain('chloration choc')
  })
})

describe('technician report', () => {
  it('needs both signatures with names, or the reason the customer did not sign', () => {
    const draft = emptyReport('Marc')
    expect(Object.keys(completionErrors(draft)).sort()).toEqual([
      'customer_signature.png_base64',
      'customer_signature.signer_name',
      'technician_signature.png_base64',
    ])
    draft.customer_absent = true
    draft.technician_signature = 'iVBORw0KGgo='
    expect(completionErrors(draft)).toEqual({ customer_absence_reason: "Indiquez pourquoi le client n'a pas signé" })
    draft.customer_absence_reason = 'Client absent'
    expect(completionErrors(draft)).toEqual({})
    const body = completionBody(draft, '2026-05-04T10:00:00.000Z')
    expect(body.customer_signature).toBeNull()
    expect(body.technician_signature.signed_at).toBe('2026-05-04T10:00:00.000Z')
  })

  it('checks parts, sends quantities with a dot and never a price from the phone', () => {
    const draft = emptyReport('Marc')
    draft.parts = [
      { description: '', quantity: '2,5', unit: 'kg', billable: true },
      { description: 'Chlore choc', quantity: '0', unit: 'kg', billable: true, product_id: 'p-1', product_code: 'CHL-CHOC', catalogue_price_cents: 1290 },
    ]
    expect(reportErrors(draft)['parts.0.description']).toBe('Champ obligatoire')
    expect(reportErrors(draft)['parts.1.quantity']).toBe('Quantité supérieure à zéro')
    draft.parts[0]!.description = 'Joint de couvercle'
    draft.parts[1]!.quantity = '1,5'
    draft.actions = 'Brossage\n\n  Aspiration  '
    draft.measurements = { ph: '7,2', salt_g_l: '' }
    expect(reportErrors(draft)).toEqual({})
    expect(reportBody(draft)).toEqual({
      measurements: { ph: 7.2 },
      actions: ['Brossage', 'Aspiration'],
      parts: [
        { description: 'Joint de couvercle', product_code: '', product_id: '', quantity: '2.5', unit: 'kg', unit_price_cents: 0, billable: true },
        { description: 'Chlore choc', product_code: 'CHL-CHOC', product_id: 'p-1', quantity: '1.5', unit: 'kg', unit_price_cents: 0, billable: true },
      ],
      time_spent_minutes: undefined,
      notes: '',
    })
  })
})

describe('invoice form', () => {
  it('requires an exemption mention at 0 % VAT', () => {
    const draft = invoiceDraft(null, 'c-1')
    draft.lines = [{ description: 'Analyse', quantity: '1', unit_price: '30', discount_percent: '', vat_rate: '0', exemption_reason: '' }]
    expect(invoiceErrors(draft)['lines.0.exemption_reason']).toBe("Mention d'exonération obligatoire à 0 %")
    draft.lines[0]!.exemption_reason = 'TVA non applicable, art. 293 B du CGI'
    expect(invoiceErrors(draft)).toEqual({})
    expect(invoiceBody(draft).lines[0]).toMatchObject({ unit_price: { amount_cents: 3000, currency: 'EUR' }, vat_rate: '0' })
  })
})
