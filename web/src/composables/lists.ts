// Sorted, counted pages of an office list ("1–50 sur 342"), and the filters a user saves for a
// list. Sorting and counting happen on the server (`order_by`, `page.total_size`); the pages
// are token-based (usePages), restarted on every sort or filter change.
import { computed, ref, type Ref } from 'vue'
import { usePages } from '@/composables/async'

export interface CountedPage<T> {
  items: T[]
  page?: { next_page_token?: string; total_size?: number | string } | null
}

const count = new Intl.NumberFormat('fr-FR')

/** `order_by` is "field" or "field desc"; `load(token, orderBy)` fetches one page. */
export function useSortedList<T>(
  load: (pageToken: string, orderBy: string) => Promise<CountedPage<T>>,
  options: { pageSize: number; defaultSort: string },
) {
  const orderBy = ref(options.defaultSort)
  const total = ref(-1)
  const pages = usePages<T>(async (token) => {
    const page = await load(token, orderBy.value)
    total.value = Number(page.page?.total_size ?? -1)
    return page
  })
  const range = computed(() => {
    const shown = pages.items.value.length
    if (shown === 0) return total.value === 0 ? 'Aucun résultat' : ''
    const first = (pages.page() - 1) * options.pageSize + 1
    const last = first + shown - 1
    const of = total.value >= 0 ? ` sur ${count.format(total.value)}` : ''
    return `${count.format(first)}–${count.format(last)}${of}`
  })

  return { ...pages, orderBy, total, range }
}

export interface SavedFilter<F> {
  name: string
  filter: F
}

/** Filters saved per user and per list, in this browser (localStorage). */
export function useSavedFilters<F>(list: string, userId: Ref<string>) {
  const key = computed(() => `aquaerp.saved-filters.${userId.value}.${list}`)
  const saved = ref<SavedFilter<F>[]>(read()) as Ref<SavedFilter<F>[]>

  function read(): SavedFilter<F>[] {
    try {
      const value = JSON.parse(localStorage.getItem(key.value) ?? '[]') as unknown
      return Array.isArray(value) ? (value as SavedFilter<F>[]) : []
    } catch {
      return []
    }
  }

  function write(): void {
    localStorage.setItem(key.value, JSON.stringify(saved.value))
  }

  return {
    saved,
    save(name: string, filter: F): void {
      saved.value = [...saved.value.filter((s) => s.name !== name), { name, filter }]
      write()
    },
    remove(name: string): void {
      saved.value = saved.value.filter((s) => s.name !== name)
      write()
    },
  }
}
