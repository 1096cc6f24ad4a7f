// Routes with the roles allowed on each; the guard sends visitors to the login page and users
// without the role to their own home.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import type { RoleName } from '@/stores/session'
import { useSessionStore } from '@/stores/session'

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    /** Roles allowed; absent: any logged-in user. */
    roles?: RoleName[]
    /** Reachable without login. */
    public?: boolean
    layout?: 'office' | 'tech' | 'bare'
  }
}

const OFFICE: RoleName[] = ['admin', 'bureau', 'compta']
const MANAGERS: RoleName[] = ['admin', 'bureau']
const ACCOUNTING: RoleName[] = ['admin', 'compta', 'bureau']

export const routes: RouteRecordRaw[] = [
  { path: '/connexion', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true, layout: 'bare', title: 'Connexion' } },
  {
    path: '/',
    name: 'home',
    redirect: () => {
      const session = useSessionStore()
      return session.isAuthenticated ? session.homePath : { name: 'login' }
    },
  },
  { path: '/tableau-de-bord', name: 'dashboard', component: () => import('@/views/office/DashboardView.vue'), meta: { roles: OFFICE, title: 'Tableau de bord' } },
  { path: '/clients', name: 'customers', component: () => import('@/views/office/CustomersView.vue'), meta: { roles: OFFICE, title: 'Clients' } },
  { path: '/clients/:id', name: 'customer', component: () => import('@/views/office/CustomerDetailView.vue'), meta: { roles: OFFICE, title: 'Client' }, props: true },
  { path: '/import', name: 'import', component: () => import('@/views/office/ImportView.vue'), meta: { roles: MANAGERS, title: 'Import' } },
  { path: '/contrats', name: 'contracts', component: () => import('@/views/office/ContractsView.vue'), meta: { roles: OFFICE, title: 'Contrats' } },
  { path: '/contrats/nouveau', name: 'contract-new', component: () => import('@/views/office/ContractEditView.vue'), meta: { roles: MANAGERS, title: 'Nouveau contrat' } },
  { path: '/contrats/:id', name: 'contract', component: () => import('@/views/office/ContractDetailView.vue'), meta: { roles: OFFICE, title: 'Contrat' }, props: true },
  { path: '/contrats/:id/modifier', name: 'contract-edit', component: () => import('@/views/office/ContractEditView.vue'), meta: { roles: MANAGERS, title: 'Modifier le contrat' }, props: true },
  { path: '/planning', name: 'planning', component: () => import('@/views/office/PlanningView.vue'), meta: { roles: MANAGERS, title: 'Planning' } },
  { path: '/interventions', name: 'interventions', component: () => import('@/views/office/InterventionsView.vue'), meta: { roles: OFFICE, title: 'Interventions' } },
  { path: '/interventions/nouvelle', name: 'intervention-new', component: () => import('@/views/office/InterventionNewView.vue'), meta: { roles: MANAGERS, title: 'Nouveau dépannage' } },
  { path: '/interventions/:id', name: 'intervention', component: () => import('@/views/office/InterventionDetailView.vue'), meta: { roles: OFFICE, title: 'Intervention' }, props: true },
  { path: '/techniciens', name: 'technicians', component: () => import('@/views/office/TechniciansView.vue'), meta: { roles: MANAGERS, title: 'Techniciens' } },
  { path: '/qualite-eau', name: 'water-settings', component: () => import('@/views/office/WaterSettingsView.vue'), meta: { roles: MANAGERS, title: "Qualité de l'eau" } },
  { path: '/modeles-checklist', name: 'checklist-templates', component: () => import('@/views/office/ChecklistTemplatesView.vue'), meta: { roles: MANAGERS, title: 'Modèles de checklist' } },
  { path: '/photometres', name: 'photometers', component: () => import('@/views/office/PhotometersView.vue'), meta: { roles: MANAGERS, title: 'Photomètres' } },
  { path: '/carnets-sanitaires', name: 'logbooks', component: () => import('@/views/logbook/LogbookMonthView.vue'), meta: { roles: OFFICE, title: 'Carnets sanitaires' } },
  { path: '/carnet-sanitaire', name: 'logbook-entry', component: () => import('@/views/logbook/LogbookEntryView.vue'), meta: { roles: ['client', 'technicien', 'admin', 'bureau'], title: 'Carnet sanitaire' } },
  { path: '/stock', name: 'stock-levels', component: () => import('@/views/office/StockLevelsView.vue'), meta: { roles: OFFICE, title: 'Niveaux de stock' } },
  { path: '/stock/catalogue', name: 'stock-catalogue', component: () => import('@/views/office/StockCatalogueView.vue'), meta: { roles: OFFICE, title: 'Catalogue' } },
  { path: '/stock/reapprovisionnement', name: 'stock-proposals', component: () => import('@/views/office/StockProposalsView.vue'), meta: { roles: MANAGERS, title: 'Réapprovisionnement' } },
  { path: '/stock/rapports', name: 'stock-reports', component: () => import('@/views/office/StockReportsView.vue'), meta: { roles: OFFICE, title: 'Rapports de stock' } },
  { path: '/stock/emplacements', name: 'stock-locations', component: () => import('@/views/office/StockLocationsView.vue'), meta: { roles: MANAGERS, title: 'Dépôts et véhicules' } },
  { path: '/stock/inventaire', name: 'stock-inventory', component: () => import('@/views/office/StockInventoryView.vue'), meta: { roles: MANAGERS, title: 'Inventaire' } },
  { path: '/factures', name: 'invoices', component: () => import('@/views/office/InvoicesView.vue'), meta: { roles: ACCOUNTING, title: 'Factures' } },
  { path: '/factures/a-valider', name: 'invoice-review', component: () => import('@/views/office/ReviewQueueView.vue'), meta: { roles: ACCOUNTING, title: 'À valider' } },
  { path: '/factures/nouvelle', name: 'invoice-new', component: () => import('@/views/office/InvoiceEditView.vue'), meta: { roles: ACCOUNTING, title: 'Nouvelle facture' } },
  { path: '/factures/:id/modifier', name: 'invoice-edit', component: () => import('@/views/office/InvoiceEditView.vue'), meta: { roles: ACCOUNTING, title: 'Modifier la facture' }, props: true },
  { path: '/factures/:id', name: 'invoice', component: () => import('@/views/office/InvoiceDetailView.vue'), meta: { roles: ACCOUNTING, title: 'Facture' }, props: true },
  { path: '/facturation', name: 'billing-runs', component: () => import('@/views/office/BillingRunView.vue'), meta: { roles: ACCOUNTING, title: 'Facturation des contrats' } },
  { path: '/relances', name: 'dunning', component: () => import('@/views/office/DunningView.vue'), meta: { roles: ACCOUNTING, title: 'Relances' } },
  { path: '/balance', name: 'aging', component: () => import('@/views/office/AgingView.vue'), meta: { roles: ACCOUNTING, title: 'Balance âgée' } },
  { path: '/emails', name: 'emails', component: () => import('@/views/office/EmailsView.vue'), meta: { roles: OFFICE, title: 'E-mails' } },
  { path: '/workflows', name: 'workflows', component: () => import('@/views/office/WorkflowRunsView.vue'), meta: { roles: OFFICE, title: 'Workflows' } },
  { path: '/utilisateurs', name: 'users', component: () => import('@/views/office/UsersView.vue'), meta: { roles: ['admin'], title: 'Utilisateurs' } },
  { path: '/cles-api', name: 'api-keys', component: () => import('@/views/office/ApiKeysView.vue'), meta: { roles: ['admin'], title: "Clés d'API" } },
  { path: '/journal', name: 'audit', component: () => import('@/views/office/AuditView.vue'), meta: { roles: ['admin'], title: "Journal d'audit" } },
  { path: '/compte', name: 'account', component: () => import('@/views/AccountView.vue'), meta: { title: 'Mon compte' } },
  { path: '/tech', name: 'tech-today', component: () => import('@/views/tech/TechTodayView.vue'), meta: { roles: ['technicien'], layout: 'tech', title: 'Ma journée' } },
  { path: '/tech/visite/:id', name: 'tech-visit', component: () => import('@/views/tech/TechVisitView.vue'), meta: { roles: ['technicien'], layout: 'tech', title: 'Intervention' }, props: true },
  { path: '/tech/inventaire', name: 'tech-inventory', component: () => import('@/views/tech/TechInventoryView.vue'), meta: { roles: ['technicien'], layout: 'tech', title: 'Inventaire du véhicule' } },
  { path: '/tech/envois', name: 'tech-outbox', component: () => import('@/views/tech/TechOutboxView.vue'), meta: { roles: ['technicien'], layout: 'tech', title: 'Envois' } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue'), meta: { public: true, title: 'Page introuvable' } },
]

export function createAppRouter() {
  const router = createRouter({
    history: createWebHistory(),
    routes,
    scrollBehavior: () => ({ top: 0 }),
  })

  router.beforeEach((to) => {
    const session = useSessionStore()
    if (to.meta.public) return true
    if (!session.isAuthenticated) {
      return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
    }
    if (to.meta.roles && !session.hasAnyRole(...to.meta.roles)) {
      return session.homePath === to.path ? { name: 'account' } : session.homePath
    }
    return true
  })

  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · AquaERP` : 'AquaERP'
  })

  return router
}
