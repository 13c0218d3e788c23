import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react'

interface FieldShell {
  label: string
  error?: string
  hint?: ReactNode
}

interface ControlProps {
  id: string
  'aria-invalid': true | undefined
  'aria-describedby': string | undefined
}

/** Field is the frame of a labelled control: its label, hint and error, tied to it by ids. */
function Field({ label, error, hint, id, children }: FieldShell & { id?: string; children: (p: ControlProps) => ReactNode }) {
  const auto = useId()
  const controlId = id ?? auto
  const hintId = hint ? `${controlId}-hint` : undefined
  const errorId = error ? `${controlId}-error` : undefined
  return (
    <div className="field">
      <label htmlFor={controlId}>{label}</label>
      {children({
        id: controlId,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') || undefined,
      })}
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  )
}

/** TextField is a labelled input with its hint and its error tied to it. */
export function TextField({ label, error, hint, id, ...rest }: FieldShell & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Field label={label} error={error} hint={hint} id={id}>
      {(p) => <input {...rest} {...p} />}
    </Field>
  )
}

export interface Option {
  value: string
  label: string
  disabled?: boolean
}

/** SelectField is a labelled native select. */
export function SelectField({
  label,
  error,
  hint,
  options,
  id,
  ...rest
}: FieldShell & { options: Option[] } & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <Field label={label} error={error} hint={hint} id={id}>
      {(p) => (
        <select {...rest} {...p}>
          {options.map((o) => (
            <option key={o.value} value={o.value} disabled={o.disabled}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  )
}

/** TextAreaField is a labelled textarea with its hint and error tied to it. */
export function TextAreaField({ label, error, hint, id, ...rest }: FieldShell & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <Field label={label} error={error} hint={hint} id={id}>
      {(p) => <textarea {...rest} {...p} />}
    </Field>
  )
}
