// Error messages for people: gateway problems and validation messages in French, network
// failures explained, field errors kept per field.
import { ApiError, NetworkError } from '@/api/http'
import { messageOfCode } from '@/lib/errors-fr'

const PATTERNS: [RegExp, (...groups: string[]) => string][] = [
  [/^Field required$/i, () => 'Champ obligatoire'],
  [/^at least (\d+) characters$/i, (n) => `${n} caractères au minimum`],
  [/^at most (\d+) characters$/i, (n) => `${n} caractères au maximum`],
  [/^String should have at least (\d+) characters?$/i, (n) => `${n} caractères au minimum`],
  [/^String should have at most (\d+) characters?$/i, (n) => `${n} caractères au maximum`],
  [/^List should have at least (\d+) items?/i, (n) => `Au moins ${n} élément(s)`],
  [/^List should have at most (\d+) items?/i, (n) => `Au plus ${n} élément(s)`],
  [/^Input should be a valid integer/i, () => 'Nombre entier attendu'],
  [/^Input should be a valid number/i, () => 'Nombre attendu'],
  [/^Input should be a valid date/i, () => 'Date invalide'],
  [/^Input should be a valid datetime/i, () => 'Date et heure invalides'],
  [/^Input should be greater than or equal to (\S+)/i, (n) => `Minimum ${n}`],
  [/^Input should be less than or equal to (\S+)/i, (n) => `Maximum ${n}`],
  [/^Input should be greater than (\S+)/i, (n) => `Doit être supérieur à ${n}`],
  [/^Input should be less than (\S+)/i, (n) => `Doit être inférieur à ${n}`],
  [/^Input should be (.+)$/i, (choices) => `Valeur attendue : ${choices}`],
  [/^String should match pattern/i, () => 'Format invalide'],
  [/^Extra inputs are not permitted$/i, () => 'Champ inconnu'],
  [/^Value error, (.+)$/i, (message) => message],
]

// The services' most frequent field messages.
const EXACT: Record<string, string> = {
  required: 'Champ obligatoire',
  'invalid email address': 'Adresse e-mail invalide',
  'a French postal code has 5 digits': 'Code postal à 5 chiffres',
  'street address required': 'Adresse obligatoire',
  'not a valid id': 'Identifiant invalide',
  'not a number': 'Nombre attendu',
  'must not be negative': 'Ne doit pas être négatif',
  'only for business customers': 'Réservé aux clients professionnels',
  'required for a French business': 'Obligatoire pour une entreprise française',
  'a SIREN has 9 digits': 'Le SIREN a 9 chiffres',
  'invalid SIREN (check digit does not match)': 'SIREN invalide (clé de contrôle)',
  'a SIRET has 14 digits': 'Le SIRET a 14 chiffres',
  'the SIRET must start with the SIREN': 'Le SIRET doit commencer par le SIREN',
  'invalid SIRET (check digit does not match)': 'SIRET invalide (clé de contrôle)',
  'not one of the contract\'s sites': "Ce site n'est pas rattaché au contrat",
  'must not be before the start date': 'Ne doit pas précéder la date de début',
  'required for tacit renewal (end of the first term)': 'Obligatoire avec la tacite reconduction (fin de la première période)',
  'unknown VAT rate: use 20, 10, 5.5, 2.1 or 0': 'Taux de TVA : 20, 10, 5,5, 2,1 ou 0',
  'the end must be after the start': 'La fin doit être après le début',
  'a local time as HH:MM': 'Heure au format HH:MM',
  'a day of the year as MM-DD': 'Jour au format MM-JJ',
  'prices are in EUR': 'Les prix sont en euros',
  'total chlorine cannot be below free chlorine': 'Le chlore total ne peut pas être inférieur au chlore libre',
  'invalid or already used code': 'Code incorrect ou déjà utilisé',
  'invalid second-factor challenge': 'Vérification expirée : reconnectez-vous',
  'account disabled': 'Compte désactivé',
  'invalid email or password': 'E-mail ou mot de passe incorrect',
  'already used': 'Déjà utilisé',
  'too early': 'Trop tôt',
  'the contract resumes after the first suspended day': 'La reprise se fait après le premier jour de suspension',
  'a user with this email already exists': 'Un utilisateur existe déjà avec cet e-mail',
  'too common': 'Mot de passe trop courant',
  'required for role client': 'Obligatoire pour le rôle Client',
  'invalid French VAT number (key does not match the SIREN)': 'N° de TVA français invalide (la clé ne correspond pas au SIREN)',
  'the VAT number does not belong to this SIREN': "Ce n° de TVA n'appartient pas à ce SIREN",
  'an intra-EU VAT number starts with an EU country code, e.g. FR': "Un n° de TVA intracommunautaire commence par le code d'un pays de l'UE (ex. FR)",
}

/** French wording of a validation message when it is one of the standard ones. */
export function translateMessage(message: string): string {
  const exact = EXACT[message]
  if (exact) return exact
  for (const [pattern, render] of PATTERNS) {
    const match = pattern.exec(message)
    if (match) return render(...match.slice(1))
  }
  return message
}

const STATUS_MESSAGES: Record<number, string> = {
  401: 'Votre session a expiré : reconnectez-vous.',
  403: "Votre rôle ne permet pas cette action.",
  404: "Cet élément n'existe pas ou plus.",
  409: 'Conflit : cet élément a changé ou ne permet pas cette action.',
  422: 'Certains champs sont invalides.',
  429: 'Trop de tentatives : patientez un instant.',
  501: "Cette fonction n'est pas encore disponible sur le serveur.",
  503: 'Un service est momentanément indisponible : réessayez.',
  504: 'Le serveur a mis trop de temps à répondre : réessayez.',
}

export interface DescribedError {
  /** One sentence for the top of a form or page. */
  message: string
  /** Messages per field path. */
  fields: Record<string, string>
  /** Worth retrying as is (network, 503, 504). */
  retryable: boolean
}

export function describeError(error: unknown): DescribedError {
  if (error instanceof NetworkError) {
    return {
      message: 'Connexion au serveur impossible : vérifiez le réseau puis réessayez.',
      fields: {},
      retryable: true,
    }
  }
  if (error instanceof ApiError) {
    const fields: Record<string, string> = {}
    for (const [key, value] of Object.entries(error.fieldErrors)) {
      // `lines[0].vat_rate` and `lines.0.vat_rate` name the same field.
      fields[key.replace(/\[(\d+)\]/g, '.$1')] = translateMessage(value)
    }
    const detail = error.problem.detail
    const generic = STATUS_MESSAGES[error.status]
    let message: string
    const coded = messageOfCode(error.problem.code, error.problem.params ?? {})
    if (coded) message = coded
    else if (error.status === 422 && Object.keys(fields).length > 0) message = STATUS_MESSAGES[422]!
    else if (error.status >= 500) message = generic ?? `Erreur du serveur (${error.status}).`
    else message = detail ? translateMessage(detail) : (generic ?? `Erreur ${error.status}`)
    if (error.problem.request_id && error.status >= 500) {
      message += ` (réf. ${error.problem.request_id})`
    }
    return { message, fields, retryable: [503, 504].includes(error.status) }
  }
  if (error instanceof Error) return { message: error.message, fields: {}, retryable: false }
  return { message: String(error), fields: {}, retryable: false }
}
