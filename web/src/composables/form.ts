// One form's errors: local validation and the gateway's problem+json, each message next to its
// field; messages for fields the form does not show go to the summary at the top.
import { computed, inject, provide, reactive, ref, type InjectionKey } from 'vue'
import { describeError } from '@/lib/problems'
import type { Errors } from '@/lib/validation'

export interface FormContext {
  errors: Errors
  register(name: string, label: string): void
  unregister(name: string): void
}

export const FORM_KEY: InjectionKey<FormContext> = Symbol('form')

export function useForm() {
  const errors = reactive<Errors>({})
  const message = ref<string | null>(null)
  const submitting = ref(false)
  const fields = reactive(new Map<string, string>())

  function setErrors(next: Errors): void {
    for (const key of Object.keys(errors)) delete errors[key]
    Object.assign(errors, next)
  }

  function clear(): void {
    setErrors({})
    message.value = null
  }

  function fail(error: unknown): void {
    const described = describeError(error)
    setErrors(described.fields)
    message.value = described.message
  }

  /** Errors whose field is not on screen, with the label of the field when known. */
  const unplaced = computed(() =>
    Object.entries(errors)
      .filter(([key]) => !fields.has(key))
      .map(([key, text]) => ({ key, text })),
  )

  /** Runs a submit: local errors first (nothing sent), then the request, errors placed. */
  async function submit<T>(
    localErrors: Errors,
    action: () => Promise<T>,
  ): Promise<T | undefined> {
    clear()
    if (Object.keys(localErrors).length > 0) {
      setErrors(localErrors)
      message.value = 'Certains champs sont à corriger.'
      return undefined
    }
    submitting.value = true
    try {
      return await action()
    } catch (error) {
      fail(error)
      return undefined
    } finally {
      submitting.value = false
    }
  }

  const context: FormContext = {
    errors,
    register: (name, label) => fields.set(name, label),
    unregister: (name) => fields.delete(name),
  }

  return { errors, message, submitting, unplaced, setErrors, clear, fail, submit, context }
}

export type Form = ReturnType<typeof useForm>

/** Makes a form's errors reachable by the fields inside (used by AppForm). */
export function provideForm(form: Form): void {
  provide(FORM_KEY, form.context)
}

export function useFormContext(): FormContext | null {
  return inject(FORM_KEY, null)
}
