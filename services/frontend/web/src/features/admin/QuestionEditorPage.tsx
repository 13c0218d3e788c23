import { useEffect, useMemo, useState, type FormEvent } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { ApiError } from '../../api/errors'
import { invalidate } from '../../api/query'
import { Alert, ErrorMessage } from '../../ui/Alert'
import { Button } from '../../ui/Button'
import { SelectField, TextAreaField, TextField } from '../../ui/Field'
import { SkeletonBlock } from '../../ui/Skeleton'
import { DIFFICULTIES, difficultyName, LANGUAGES, languageName, useTopics, type Example, type Question } from '../questions/api'
import { renderMarkdown } from '../session/components/markdown'
import { createQuestion, readQuestion, updateQuestion, type QuestionInput, type Versioned } from './api'
import { RequireAdmin } from './RequireAdmin'

export default function QuestionEditorRoute() {
  return (
    <RequireAdmin>
      <QuestionEditorPage />
    </RequireAdmin>
  )
}

const empty: QuestionInput = {
  title: '',
  difficulty: 'easy',
  topics: [],
  description: '',
  examples: [{ input: '', output: '', explanation: '' }],
  constraints: [],
  hints: [],
  starter_code: {},
  interviewer_notes: [],
}

function toInput(q: Question): QuestionInput {
  return {
    title: q.title,
    difficulty: q.difficulty,
    topics: q.topics,
    description: q.description,
    examples: q.examples.map((e) => ({ input: e.input, output: e.output, explanation: e.explanation ?? '' })),
    constraints: q.constraints,
    hints: q.hints,
    starter_code: q.starter_code ?? {},
    interviewer_notes: q.interviewer_notes,
  }
}

const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)

/**
 * groupErrors files the API's field errors under the control that shows
 * them: "examples[1].input" goes with the examples, "starter_code.go" with
 * the starter code.
 */
export function groupErrors(e: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  if (!(e instanceof ApiError)) return out
  for (const d of e.details) {
    const group = d.field.split(/[.[]/)[0]
    const where = d.field === group ? '' : `${d.field}: `
    ;(out[group] ??= []).push(`${where}${d.message}`)
  }
  return out
}

export function QuestionEditorPage() {
  const { id } = useParams()
  const isNew = id === undefined
  const navigate = useNavigate()
  const topics = useTopics()
  const [form, setForm] = useState<QuestionInput | null>(isNew ? empty : null)
  const [etag, setEtag] = useState<string | null>(null)
  const [loadError, setLoadError] = useState<unknown>(null)
  const [error, setError] = useState<unknown>(null)
  const [conflict, setConflict] = useState(false)
  const [busy, setBusy] = useState(false)
  const [saved, setSaved] = useState(false)
  const [constraints, setConstraints] = useState('')
  const [hints, setHints] = useState('')
  const [notes, setNotes] = useState('')

  useEffect(() => {
    document.title = `${isNew ? 'New question' : 'Edit question'} · Admin · PeerPrep`
  }, [isNew])

  function apply(v: Versioned) {
    const input = toInput(v.question)
    setForm(input)
    setConstraints(input.constraints.join('\n'))
    setHints(input.hints.join('\n'))
    setNotes((input.interviewer_notes ?? []).join('\n'))
    setEtag(v.etag)
    setConflict(false)
    setError(null)
  }

  function load() {
    if (!id) return
    setLoadError(null)
    readQuestion(id).then(apply, setLoadError)
  }

  useEffect(() => {
    if (!id) return
    let live = true
    readQuestion(id).then(
      (v) => {
        if (live) apply(v)
      },
      (e: unknown) => {
        if (live) setLoadError(e)
      },
    )
    return () => {
      live = false
    }
  }, [id])

  const preview = useMemo(() => (form ? renderMarkdown(form.description) : ''), [form])
  const errs = groupErrors(error)
  const msg = (k: string) => errs[k]?.join('; ')

  function set<K extends keyof QuestionInput>(k: K, v: QuestionInput[K]) {
    setForm((f) => (f ? { ...f, [k]: v } : f))
    setSaved(false)
  }
  function setExample(i: number, k: keyof Example, v: string) {
    if (!form) return
    set(
      'examples',
      form.examples.map((e, j) => (j === i ? { ...e, [k]: v } : e)),
    )
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault()
    if (!form) return
    setBusy(true)
    setError(null)
    setSaved(false)
    const input: QuestionInput = {
      ...form,
      title: form.title.trim(),
      constraints: lines(constraints),
      hints: lines(hints),
      // Absent when the read did not carry the field and the box stays empty: the PUT then keeps the stored notes.
      interviewer_notes: form.interviewer_notes === undefined && notes.trim() === '' ? undefined : lines(notes),
      examples: form.examples.filter((x) => x.input || x.output || x.explanation),
      starter_code: Object.fromEntries(Object.entries(form.starter_code).filter(([, code]) => code.trim() !== '')),
    }
    try {
      const v = isNew ? await createQuestion(input) : await updateQuestion(id, input, etag)
      invalidate('questions:')
      invalidate('question:')
      invalidate('topics')
      if (isNew) {
        navigate(`/admin/questions/${v.question.id}`, { replace: true })
        return
      }
      setEtag(v.etag)
      setForm(toInput(v.question))
      setSaved(true)
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) setConflict(true)
      else setError(err)
    } finally {
      setBusy(false)
    }
  }

  const unplaced = Object.keys(errs).filter((k) => !['title', 'difficulty', 'topics', 'description', 'examples', 'constraints', 'hints', 'interviewer_notes', 'starter_code'].includes(k))

  return (
    <main id="main" className="page">
      <p>
        <Link to="/admin/questions">← Manage questions</Link>
      </p>
      <h1>{isNew ? 'New question' : 'Edit question'}</h1>
      {loadError != null ? (
        loadError instanceof ApiError && loadError.status === 404 ? (
          <Alert tone="error" title="Question not found">
            <p>It may have been deleted.</p>
          </Alert>
        ) : (
          <ErrorMessage
            error={loadError}
            onRetry={load}
            title="Could not load the question"
          />
        )
      ) : !form ? (
        <SkeletonBlock label="Loading the question…" lines={8} />
      ) : (
        <form className="form form-wide" onSubmit={(e) => void onSubmit(e)} aria-label={isNew ? 'New question' : 'Edit question'} noValidate>
          {conflict && (
            <Alert tone="error" title="Someone else changed this question">
              <p>It was edited elsewhere after you opened it. Your changes were not saved, and theirs were not overwritten.</p>
              <Button variant="secondary" onClick={load}>
                Load their version (discards your changes)
              </Button>
            </Alert>
          )}
          {error != null && (!(error instanceof ApiError) || error.details.length === 0) && <ErrorMessage error={error} title="Could not save the question" />}
          {error instanceof ApiError && error.details.length > 0 && (
            <Alert tone="error" title="Please fix the fields marked below.">
              {unplaced.map((k) => (
                <p key={k}>{msg(k)}</p>
              ))}
            </Alert>
          )}
          <TextField label="Title" value={form.title} onChange={(e) => set('title', e.target.value)} error={msg('title')} required />
          <SelectField
            label="Difficulty"
            value={form.difficulty}
            onChange={(e) => set('difficulty', e.target.value)}
            error={msg('difficulty')}
            options={DIFFICULTIES.map((d) => ({ value: d, label: difficultyName(d) }))}
          />
          <fieldset className="choice-group" aria-describedby={msg('topics') ? 'topics-error' : undefined}>
            <legend>Topics</legend>
            {(topics.data ?? []).map((t) => (
              <label key={t.slug} className="choice">
                <input
                  type="checkbox"
                  checked={form.topics.includes(t.slug)}
                  onChange={(e) => set('topics', e.target.checked ? [...form.topics, t.slug] : form.topics.filter((x) => x !== t.slug))}
                />
                {t.name}
              </label>
            ))}
            {msg('topics') && (
              <p className="field-error" id="topics-error">
                {msg('topics')}
              </p>
            )}
          </fieldset>
          <TextAreaField
            label="Description (Markdown)"
            className="code-input"
            rows={10}
            value={form.description}
            onChange={(e) => set('description', e.target.value)}
            error={msg('description')}
          />
          <section aria-labelledby="preview-title" className="card">
            <h2 id="preview-title">Preview</h2>
            <div className="markdown" dangerouslySetInnerHTML={{ __html: preview }} />
          </section>
          <fieldset className="choice-group stack">
            <legend>Examples</legend>
            {form.examples.map((x, i) => (
              <div key={i} className="example-row">
                <TextAreaField label={`Example ${i + 1} input`} className="code-input" rows={2} value={x.input} onChange={(e) => setExample(i, 'input', e.target.value)} />
                <TextAreaField label={`Example ${i + 1} output`} className="code-input" rows={2} value={x.output} onChange={(e) => setExample(i, 'output', e.target.value)} />
                <TextField label={`Example ${i + 1} explanation`} value={x.explanation} onChange={(e) => setExample(i, 'explanation', e.target.value)} />
                <Button variant="link" onClick={() => set('examples', form.examples.filter((_, j) => j !== i))}>
                  Remove example {i + 1}
                </Button>
              </div>
            ))}
            {msg('examples') && <p className="field-error">{msg('examples')}</p>}
            <Button variant="secondary" onClick={() => set('examples', [...form.examples, { input: '', output: '', explanation: '' }])}>
              Add an example
            </Button>
          </fieldset>
          <TextAreaField label="Constraints, one per line" rows={4} value={constraints} onChange={(e) => setConstraints(e.target.value)} error={msg('constraints')} />
          <TextAreaField label="Hints, one per line" rows={3} value={hints} onChange={(e) => setHints(e.target.value)} error={msg('hints')} />
          <TextAreaField
            label="Interviewer notes, one per line"
            hint="What the interviewer of a mock interview should ask or look for. Only admins and the interviewer see them."
            rows={3}
            value={notes}
            onChange={(e) => setNotes(e.target.value)}
            error={msg('interviewer_notes')}
          />
          <fieldset className="choice-group stack">
            <legend>Starter code</legend>
            {LANGUAGES.map((l) => (
              <TextAreaField
                key={l}
                label={`${languageName(l)} starter code`}
                className="code-input"
                rows={4}
                spellCheck={false}
                value={form.starter_code[l] ?? ''}
                onChange={(e) => set('starter_code', { ...form.starter_code, [l]: e.target.value })}
              />
            ))}
            {msg('starter_code') && <p className="field-error">{msg('starter_code')}</p>}
          </fieldset>
          <div aria-live="polite">{saved && <Alert tone="success">Saved.</Alert>}</div>
          <Button type="submit" busy={busy}>
            {isNew ? 'Create question' : 'Save changes'}
          </Button>
        </form>
      )}
    </main>
  )
}
