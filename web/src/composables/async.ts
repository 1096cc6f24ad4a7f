// Loading and error state of something fetched, and token-based pages of a list.
import { ref, shallowRef, type Ref } from 'vue'

export function useAsync<T>(load: () => Promise<T>) {
  const data = shallowRef<T | null>(null) as Ref<T | null>
  const loading = ref(false)
  const error = shallowRef<unknown>(null)
  let generation = 0

  async function run(): Promise<T | null> {
    const mine = ++generation
    loading.value = true
    error.value = null
    try {
      const result = await load()
      if (mine === generation) data.value = result
      return result
    } catch (caught) {
      if (mine === generation) error.value = caught
      return null
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  return { data, loading, error, run }
}

export interface PageOf<T> {
  items: T[]
  page?: { next_page_token?: string } | null
}

/** Pages of a list API: `load(token)` returns one page; previous pages are remembered. */
export function usePages<T>(load: (pageToken: string) => Promise<PageOf<T>>) {
  const items = shallowRef<T[]>([]) as Ref<T[]>
  const loading = ref(false)
  const error = shallowRef<unknown>(null)
  const tokens = ref<string[]>([''])
  const index = ref(0)
  const nextToken = ref('')

  async function fetchPage(position: number): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const page = await load(tokens.value[position] ?? '')
      items.value = page.items
      index.value = position
      nextToken.value = page.page?.next_page_token ?? ''
      if (nextToken.value) tokens.value[position + 1] = nextToken.value
    } catch (caught) {
      error.value = caught
    } finally {
      loading.value = false
    }
  }

  return {
    items,
    loading,
    error,
    page: () => index.value + 1,
    hasPrevious: () => index.value > 0,
    hasNext: () => nextToken.value !== '',
    reload: () => fetchPage(index.value),
    first: () => {
      tokens.value = ['']
      return fetchPage(0)
    },
    next: () => fetchPage(index.value + 1),
    previous: () => fetchPage(Math.max(0, index.value - 1)),
  }
}
