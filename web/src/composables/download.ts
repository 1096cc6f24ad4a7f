// Files behind authentication (PDFs): fetched with the token, shown or saved from a blob URL.
import { onBeforeUnmount, ref } from 'vue'
import { describeError } from '@/lib/problems'

/** Fetches the file, e.g. `() => unwrap(api.GET(path, { params, parseAs: 'blob' }))`. */
export type FileRequest = () => Promise<Blob>

export function useAuthenticatedFile() {
  const url = ref<string | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)

  async function load(request: FileRequest): Promise<string | null> {
    loading.value = true
    error.value = null
    try {
      const blob = await request()
      if (url.value) URL.revokeObjectURL(url.value)
      url.value = URL.createObjectURL(blob)
      return url.value
    } catch (caught) {
      error.value = describeError(caught).message
      return null
    } finally {
      loading.value = false
    }
  }

  /** Saves the file under a name (the browser's download), without showing it. */
  async function save(request: FileRequest, filename: string): Promise<void> {
    loading.value = true
    error.value = null
    try {
      const blob = await request()
      const href = URL.createObjectURL(blob)
      const link = document.createElement('a')
      link.href = href
      link.download = filename
      document.body.appendChild(link)
      link.click()
      link.remove()
      setTimeout(() => URL.revokeObjectURL(href), 10_000)
    } catch (caught) {
      error.value = describeError(caught).message
    } finally {
      loading.value = false
    }
  }

  onBeforeUnmount(() => {
    if (url.value) URL.revokeObjectURL(url.value)
  })

  return { url, loading, error, load, save }
}
