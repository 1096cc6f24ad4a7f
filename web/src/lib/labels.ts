// French words for the API's codes.
import type { RoleName } from '@/stores/session'

export const ROLE_LABELS: Record<RoleName, string> = {
  admin: 'Administrateur',
  bureau: 'Bureau',
  compta: 'Comptabilité',
  technicien: 'Technicien',
  client: 'Client',
}

const STATUS_LABELS: Record<string, string> = {
  // contracts
  draft: 'Brouillon',
  active: 'Actif',
  suspended: 'Suspendu',
  terminated: 'Résilié',
  // interventions
  scheduled: 'Planifiée',
  in_progress: 'En cours',
  completed: 'Terminée',
  cancelled: 'Annulée',
  overdue: 'En retard',
  not_done: 'Passage impossible',
  // invoices
  issued: 'Émise',
  paid: 'Payée',
  partially_paid: 'Partiellement payée',
  void: 'Annulée',
  // emails
  queued: 'En file',
  sending: 'Envoi…',
  sent: 'Envoyé',
  failed_retrying: 'Échec, nouvel essai prévu',
  failed_permanent: 'Échec définitif',
  // workflow runs
  pending: 'En attente',
  running: 'En cours',
  succeeded: 'Réussi',
  failed: 'Échoué',
  skipped: 'Ignoré',
  // outbox
  waiting: "En attente d'envoi",
  rejected: 'Refusé',
}

const STATUS_TONES: Record<string, string> = {
  draft: 'neutral',
  active: 'success',
  suspended: 'warning',
  terminated: 'muted',
  scheduled: 'info',
  in_progress: 'warning',
  completed: 'success',
  cancelled: 'muted',
  overdue: 'danger',
  not_done: 'warning',
  issued: 'info',
  paid: 'success',
  partially_paid: 'warning',
  void: 'muted',
  queued: 'neutral',
  sending: 'info',
  sent: 'success',
  failed_retrying: 'warning',
  failed_permanent: 'danger',
  pending: 'neutral',
  running: 'info',
  succeeded: 'success',
  failed: 'danger',
  skipped: 'muted',
  waiting: 'warning',
  rejected: 'danger',
}

/** The label of an enum value; empty when the value is missing (an unset proto enum). */
export function labelOf(labels: Record<string, string>, value: string | null | undefined): string {
  return value ? (labels[value] ?? value) : ''
}

export function statusLabel(status: string, kind?: string): string {
  if (kind === 'intervention' && status === 'completed') return 'Terminée'
  return STATUS_LABELS[status] ?? status
}

export function statusTone(status: string): string {
  return STATUS_TONES[status] ?? 'neutral'
}

export const PRIORITY_LABELS: Record<string, string> = {
  low: 'Basse',
  normal: 'Normale',
  high: 'Haute',
  urgent: 'Urgente',
}

export const KIND_LABELS: Record<string, string> = {
  preventive: 'Visite préventive',
  corrective: 'Dépannage',
}

export const INSTALLATION_LABELS: Record<string, string> = {
  pool: 'Piscine',
  spa: 'Spa',
  treatment_unit: 'Unité de traitement',
}

export const FREQUENCY_LABELS: Record<string, string> = {
  monthly: 'Mensuelle',
  quarterly: 'Trimestrielle',
  half_yearly: 'Semestrielle',
  yearly: 'Annuelle',
}

export const TIMING_LABELS: Record<string, string> = {
  in_advance: "À échoir (d'avance)",
  in_arrears: 'Échu (à terme)',
}

/** Why an assignment was refused, as the intervention service says it. */
export const CONFLICT_LABELS: Record<string, string> = {
  OVERLAP: 'Chevauche une autre intervention du technicien',
  OUTSIDE_WORKING_HOURS: 'En dehors des horaires de travail du technicien',
  MISSING_SKILL: "Le technicien n'a pas la compétence requise",
  ABSENCE: 'Le technicien est absent à cette date',
  OUTSIDE_TIME_WINDOW: 'En dehors du créneau convenu avec le client',
  TECHNICIAN_INACTIVE: 'Technicien inactif',
  NO_SKILLED_TECHNICIAN: 'Aucun technicien avec la compétence requise',
  NO_AVAILABLE_TECHNICIAN: 'Aucun technicien disponible ce jour-là',
  NO_SLOT: 'Pas de créneau libre dans la fenêtre convenue',
}

export const WEEKDAY_LABELS = ['', 'Lundi', 'Mardi', 'Mercredi', 'Jeudi', 'Vendredi', 'Samedi', 'Dimanche']
