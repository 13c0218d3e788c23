import type { Mode } from './api'

const MODES: { value: Mode; label: string; hint: string }[] = [
  { value: 'practise', label: 'Practise together', hint: 'Solve one question side by side.' },
  { value: 'mock', label: 'Mock interview', hint: 'One interviews, one answers; roles swap at half time.' },
]

/**
 * ModeField chooses how the session runs; you are only matched with
 * someone who chose the same. In a mock interview you may ask to start as
 * the interviewer.
 */
export function ModeField({
  mode,
  onMode,
  startAsInterviewer,
  onStartAsInterviewer,
}: {
  mode: Mode
  onMode: (m: Mode) => void
  startAsInterviewer: boolean
  onStartAsInterviewer: (v: boolean) => void
}) {
  return (
    <>
      <fieldset className="choice-group">
        <legend>Mode</legend>
        {MODES.map((m) => (
          <label key={m.value} className="choice" title={m.hint}>
            <input type="radio" name="mode" value={m.value} checked={mode === m.value} onChange={() => onMode(m.value)} />
            {m.label}
          </label>
        ))}
      </fieldset>
      {mode === 'mock' && (
        <label className="choice">
          <input type="checkbox" checked={startAsInterviewer} onChange={(e) => onStartAsInterviewer(e.target.checked)} />
          Start as the interviewer
        </label>
      )}
    </>
  )
}
