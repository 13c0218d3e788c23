// Browser test of running code (issue 16): two people in one session on
// Two Sum; the question shows its sample cases; one pastes a wrong
// solution and presses Run (Wrong answer, per case), then the reference
// solution and presses Submit; BOTH screens show "Accepted" (the partner's
// through polling /runs?session_id=) with who submitted it, and the
// attempt in history shows the last submit's verdict. Run by browser.mjs
// with its helpers.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8')

/** The reference solution, for the snake_case name of the Python starter (twoSum too, in case the harness calls that). */
const REFERENCE = `def two_sum(nums, target):
    seen = {}
    for i, x in enumerate(nums):
        if target - x in seen:
            return [seen[target - x], i]
        seen[x] = i
    return []


twoSum = two_sum
`

const WRONG = `def two_sum(nums, target):
    print("trying", len(nums))
    return []


twoSum = two_sum
`

export async function runRun(h) {
  const { browser, step, shot, api, until, T, newPerson, editorBox, editorText } = h
  const run = Date.now().toString(36).slice(-5) + Math.random().toString(36).slice(2, 5)
  const password = `pw-${run}-long-enough`
  const G = await newPerson(browser, 'grace')
  const H = await newPerson(browser, 'heidi')
  G.name = `grace_${run}`
  H.name = `heidi_${run}`
  let criteria

  /** paste puts text into the shared editor as a paste would, replacing everything. */
  const paste = async (p, text) => {
    const box = editorBox(p)
    await box.click()
    await p.keyboard.press('Control+A')
    await box.evaluate((el, t) => {
      const data = new DataTransfer()
      data.setData('text/plain', t)
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
    }, text)
  }
  const runPane = (p) => p.getByRole('region', { name: 'Run your code' })
  const latest = (p) => runPane(p).getByRole('region', { name: 'Latest result' })

  await step('run: two people sign in and pick a topic and difficulty whose only question is Two Sum', async () => {
    for (const who of [G, H]) {
      await api('/user-service-api/auth/signup', { method: 'POST', body: { username: who.name, email: `${who.name}@example.com`, password } })
      const p = who.page
      await p.goto('/sign-in')
      await p.getByLabel('Email or username').fill(who.name)
      await p.getByLabel('Password').fill(password)
      await p.getByRole('button', { name: 'Sign in' }).click()
      await p.getByRole('heading', { name: `Welcome back, ${who.name}` }).waitFor({ timeout: T })
    }
    const s = await api('/user-service-api/auth/login', { method: 'POST', body: { identifier: G.name, password } })
    const topics = await api('/question-service-api/topics', { token: s.access_token })
    const combos = []
    for (const t of topics) for (const d of ['easy', 'medium', 'hard']) if ((t.by_difficulty?.[d] ?? 0) > 0 && t.by_difficulty[d] <= 3) combos.push({ topic: t, difficulty: d })
    for (const c of combos) {
      const page = await api(`/question-service-api/questions?topic=${c.topic.slug}&difficulty=${c.difficulty}&page=1&limit=100`, { token: s.access_token })
      if (page.total !== page.items.length || page.items.length === 0) continue
      const reads = await Promise.all(page.items.map((q) => api(`/question-service-api/questions/${q.id}`, { token: s.access_token })))
      if (reads.every((q) => (q.signature ?? '').startsWith('twoSum(') && (q.sample_cases?.length ?? 0) > 0)) {
        criteria = { topicLabel: `${c.topic.name} (${c.topic.count})`, difficulty: c.difficulty, language: 'Python' }
        console.log(`     criteria: ${c.topic.slug} / ${c.difficulty} / python (Two Sum, ${reads[0].sample_cases.length} sample cases)`)
        break
      }
    }
    if (!criteria) throw new Error('no topic and difficulty whose questions are all Two Sum with sample cases')
  })

  await step('run: both ask for a match on it and land in one session with the sample cases shown', async () => {
    for (const who of [G, H]) {
      const p = who.page
      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Find a match', exact: true }).click()
      await p.getByRole('heading', { name: 'Find a match' }).waitFor({ timeout: T })
      await p.getByLabel('Topic').selectOption({ label: criteria.topicLabel })
      await p.getByRole('radio', { name: new RegExp(`^${criteria.difficulty}`, 'i') }).check()
      await p.getByLabel('Language').selectOption({ label: criteria.language })
      await p.getByRole('button', { name: 'Find a match' }).click()
    }
    for (const who of [G, H]) await who.page.waitForURL(/\/session\/[0-9a-f-]{36}$/, { timeout: 45_000 })
    if (G.page.url() !== H.page.url()) throw new Error(`different sessions: ${G.page.url()} vs ${H.page.url()}`)
    for (const who of [G, H]) {
      const p = who.page
      await p.getByRole('heading', { name: 'Sample test cases' }).waitFor({ timeout: T })
      await p.getByText('Editor: Connected').waitFor({ timeout: T })
      await runPane(p).getByRole('button', { name: 'Submit' }).waitFor({ timeout: T })
      const custom = await runPane(p).getByLabel('Custom input').inputValue()
      if (!custom.trim()) throw new Error(`${who.label}'s custom input is not prefilled from the first sample case`)
    }
  })

  await step('run: a wrong solution gets "Wrong answer" on Run, case by case, with the printed line', async () => {
    await paste(G.page, WRONG)
    await until('heidi to see grace’s code', async () => (await editorText(H.page)).includes('print("trying"'))
    await runPane(G.page).getByRole('button', { name: 'Run', exact: true }).click()
    await latest(G.page).getByRole('heading', { name: 'Wrong answer' }).waitFor({ timeout: T })
    await latest(G.page).getByText(/^Case 1: failed/).waitFor({ timeout: T })
    await latest(G.page).getByText('trying', { exact: false }).first().waitFor({ timeout: T })
  })

  await step('run: grace pastes the reference solution and submits; BOTH screens show "Accepted"', async () => {
    await paste(G.page, REFERENCE)
    await until('heidi to see the reference solution', async () => (await editorText(H.page)).includes('seen[x] = i'))
    await runPane(G.page).getByRole('button', { name: 'Submit' }).click()
    for (const who of [G, H]) {
      await latest(who.page).getByRole('heading', { name: 'Accepted' }).waitFor({ timeout: 30_000 })
      await runPane(who.page)
        .getByRole('list', { name: 'Runs in this session' })
        .getByText(new RegExp(`^${G.name} submitted · Accepted · \\d+/\\d+`))
        .first()
        .waitFor({ timeout: T })
    }
    // Hidden cases are shown by number and result only.
    await latest(H.page).getByRole('list', { name: 'Hidden cases' }).getByText(/^Hidden case \d+: passed$/).first().waitFor({ timeout: T })
    await runPane(G.page).scrollIntoViewIfNeeded()
    await shot(G.page, 'session-run')
  })

  await step('run: the results panel has no serious or critical axe violation', async () => {
    const p = H.page
    // Open the newest run of the list too, so its result is scanned.
    await runPane(p).getByRole('list', { name: 'Runs in this session' }).getByText(/ submitted · /).first().click()
    await p.evaluate(axeSource)
    const res = await runPane(p).evaluate((el) => window.axe.run(el, { resultTypes: ['violations'] }))
    const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    if (bad.length) throw new Error(`axe on the run panel:\n  ${bad.map((v) => `${v.impact} ${v.id}: ${v.help}`).join('\n  ')}`)
  })

  await step('run: after both leave, the attempt shows the last submit’s verdict', async () => {
    for (const who of [G, H]) {
      const p = who.page
      await p.getByRole('button', { name: 'Leave session' }).click()
      await p.getByRole('dialog', { name: 'Leave this session?' }).getByRole('button', { name: 'Leave' }).click()
      await p.getByRole('heading', { name: 'Session summary' }).waitFor({ timeout: T })
    }
    const p = G.page
    await p.getByRole('link', { name: 'View this attempt in your history' }).click({ timeout: 60_000 })
    await p.getByRole('heading', { name: 'Your final code' }).waitFor({ timeout: T })
    await p.getByText('Last submit').waitFor({ timeout: T })
    await p.getByText(new RegExp(`^Accepted · \\d+/\\d+ cases passed · by ${G.name}$`)).waitFor({ timeout: T })
  })
}
