// Browser tests of the pages around the session (issue 20): dashboard,
// history, question bank, profile and settings, admin, themes and the
// not-found page. Run by browser.mjs after the session journey, on the same
// platform and with its helpers. Every page gets an axe-core scan (no
// serious or critical violation) and one keyboard-only check; each page is
// photographed in both themes.
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8')

const DIFFS = ['easy', 'medium', 'hard']
const DAY = 24 * 3600 * 1000

/** axe runs axe-core in the page and fails on any serious or critical violation. */
async function axe(page, what) {
  // evaluate is not a <script>: the page's CSP does not apply to it.
  await page.evaluate(axeSource)
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }))
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  if (bad.length) {
    const text = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`).join('\n  ')
    throw new Error(`axe on ${what}:\n  ${text}`)
  }
  return res.violations.length
}

/** tabTo presses Tab until the element is focused (keyboard only), then returns. */
async function tabTo(page, locator, what, max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    if (await locator.evaluate((el) => el === document.activeElement).catch(() => false)) return
  }
  throw new Error(`Tab never reached ${what}`)
}

export async function runPages(h) {
  const { browser, BASE, CONTROL, step, skip, shot, api, until, T, newPerson, SHOTS } = h
  if (!CONTROL) {
    skip('the pages of part 2', 'they need the test platform control endpoint (promote, attempts)')
    return
  }
  const control = async (path, body) => {
    const res = await fetch(`${CONTROL}${path}`, { method: 'POST', body: body ? JSON.stringify(body) : undefined })
    const text = await res.text()
    if (!res.ok) throw new Error(`control ${path}: ${res.status} ${text}`)
    return JSON.parse(text)
  }
  const run = Date.now().toString(36).slice(-5) + Math.random().toString(36).slice(2, 5)
  const password = `pw-${run}-long-enough`
  const signup = async (name) => {
    const s = await api('/user-service-api/auth/signup', { method: 'POST', body: { username: name, email: `${name}@example.com`, password } })
    return { name, id: s.user.id, token: s.access_token }
  }
  const themes = async (page, name) => {
    for (const theme of ['light', 'dark']) {
      await page.evaluate((t) => {
        localStorage.setItem('peerprep-theme', t)
        document.documentElement.dataset.theme = t
        window.scrollTo(0, 0)
      }, theme)
      await page.waitForTimeout(50)
      await axe(page, `${name} (${theme} theme)`)
      await page.screenshot({ path: join(SHOTS, `page-${name}-${theme}.png`) })
    }
  }
  const signIn = async (p, name, pw = password) => {
    await p.goto('/sign-in')
    await p.getByLabel('Email or username').fill(name)
    await p.getByLabel('Password').fill(pw)
    await p.getByRole('button', { name: 'Sign in' }).click()
  }

  let user, partner, admin, heavy, questions
  const U = await newPerson(browser, 'user')
  const Adm = await newPerson(browser, 'admin')

  await step('part 2: people, an admin (control: promote) and 60 attempts (control: attempts)', async () => {
    ;[user, partner, admin, heavy] = await Promise.all(['usr', 'prt', 'adm', 'heavy'].map((n) => signup(`${n}_${run}`)))
    await control(`/promote?username=${admin.name}`)
    const page = await api('/question-service-api/questions?limit=100', { token: user.token })
    questions = page.items
    const now = Date.now()
    const attempt = (who, q, endedAt, i) => ({
      session_id: randomUUID(),
      user_id: who.id,
      partner_id: partner.id,
      question_id: q.id,
      language: ['python', 'javascript', 'go'][i % 3],
      code: `# attempt ${i} of ${q.title}\ndef solve(nums):\n    return sorted(nums)\n`,
      started_at: new Date(endedAt - 25 * 60 * 1000).toISOString(),
      ended_at: new Date(endedAt).toISOString(),
    })
    const sixty = Array.from({ length: 60 }, (_, i) => attempt(user, questions[i % questions.length], now - i * 1.5 * DAY - 3600 * 1000, i))
    const thousand = Array.from({ length: 1000 }, (_, i) => attempt(heavy, questions[i % questions.length], now - (i % 360) * DAY - (i % 7) * 3600 * 1000 - 60_000, i))
    const r1 = await control('/attempts', sixty)
    const r2 = await control('/attempts', thousand)
    if (r1.recorded !== 60 || r2.recorded !== 1000) throw new Error(`recorded ${r1.recorded} and ${r2.recorded}`)
  })

  await step('dashboard: charts, a year heatmap with streaks, recent attempts, find-a-match with the last criteria', async () => {
    const p = U.page
    await signIn(p, user.name)
    await p.getByRole('heading', { name: `Welcome back, ${user.name}` }).waitFor({ timeout: T })
    await p.getByRole('img', { name: /^Activity in the past year: 60 attempts on 60 days/ }).waitFor({ timeout: T })
    await p.getByRole('img', { name: /^Attempts by difficulty: Easy \d+, Medium \d+, Hard \d+$/ }).waitFor()
    await p.getByRole('img', { name: /^Attempts by topic: / }).waitFor()
    await p.getByText('Current streak').waitFor()
    const recent = p.getByRole('list', { name: 'Recent attempts' }).getByRole('listitem')
    if ((await recent.count()) !== 5) throw new Error(`${await recent.count()} recent attempts, want 5`)
    // No criteria used yet in this browser: the latest attempt's.
    await p.getByRole('link', { name: /^Find a match: / }).waitFor()
    await axe(p, 'the dashboard')
    await themes(p, 'dashboard')
  })

  await step('dashboard LCP ≤ 1 s for a user with 1,000 attempts (PerformanceObserver)', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: BASE })
    const p = await ctx.newPage()
    await signIn(p, heavy.name)
    await p.getByRole('img', { name: /^Activity in the past year: / }).waitFor({ timeout: T })
    const times = []
    await p.addInitScript(() => {
      window.__lcp = 0
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) window.__lcp = e.startTime
      }).observe({ type: 'largest-contentful-paint', buffered: true })
    })
    for (let i = 0; i < 3; i++) {
      await p.goto('/')
      await p.getByRole('img', { name: /^Activity in the past year: \d+ attempts/ }).waitFor({ timeout: T })
      await p.getByRole('list', { name: 'Recent attempts' }).waitFor()
      await p.waitForTimeout(300)
      times.push(await p.evaluate(() => window.__lcp))
    }
    const worst = Math.max(...times)
    console.log(`     dashboard LCP with 1,000 attempts: ${times.map((t) => `${Math.round(t)} ms`).join(', ')} (worst ${Math.round(worst)} ms)`)
    await ctx.close()
    if (!(worst > 0 && worst <= 1000)) throw new Error(`LCP ${worst} ms`)
  })

  await step('dashboard keyboard only: Tab to the find-a-match link, Enter opens matching prefilled', async () => {
    const p = U.page
    await p.goto('/')
    const link = p.getByRole('link', { name: /^Find a match: / })
    await link.waitFor({ timeout: T })
    await tabTo(p, link, 'the find-a-match link')
    await p.keyboard.press('Enter')
    await p.getByRole('heading', { name: 'Find a match' }).waitFor({ timeout: T })
    if (!/\/match\?difficulty=/.test(p.url())) throw new Error(`at ${p.url()}`)
    await axe(p, 'find a match')
  })

  await step('history: difficulty, topic and date filters and keyset pages over 60 attempts', async () => {
    const p = U.page
    await p.goto('/history')
    const items = p.getByRole('list', { name: 'Attempts, newest first' }).getByRole('listitem')
    await items.first().waitFor({ timeout: T })
    const seen = new Set()
    let pages = 0
    for (;;) {
      pages++
      for (const link of await items.getByRole('link').all()) seen.add(await link.getAttribute('href'))
      const next = p.getByRole('button', { name: 'Next page' })
      if (await next.isDisabled()) break
      await next.click()
      await p.getByText(`Page ${pages + 1}`).waitFor({ timeout: T })
    }
    if (seen.size !== 60 || pages !== 3) throw new Error(`${seen.size} attempts on ${pages} pages, want 60 on 3`)
    await p.getByRole('button', { name: 'Previous page' }).click()
    await p.getByText('Page 2').waitFor()
    await themes(p, 'history')

    await p.getByLabel('Difficulty').selectOption('hard')
    const list = p.getByRole('list', { name: 'Attempts, newest first' })
    await until('only hard attempts', async () => {
      const badges = await list.getByText(/^(Easy|Medium|Hard)$/).allInnerTexts()
      return badges.length > 0 && badges.every((b) => b === 'Hard')
    })
    const hard = await items.count()
    const expectHard = Array.from({ length: 60 }, (_, i) => questions[i % questions.length]).filter((q) => q.difficulty === 'hard').length
    if (hard !== Math.min(20, expectHard)) throw new Error(`${hard} hard attempts on page 1, want ${Math.min(20, expectHard)}`)

    // Dates: the last 10 days hold attempts 0..6 (every 1.5 days, an hour before now).
    await p.getByRole('button', { name: 'Clear filters' }).click()
    const today = new Date()
    const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
    await p.getByLabel('From', { exact: true }).fill(iso(new Date(today.getTime() - 9 * DAY)))
    await p.getByLabel('To', { exact: true }).fill(iso(today))
    await p.getByRole('button', { name: 'Apply dates' }).click()
    await until('the date range applied', async () => /from=/.test(p.url()) && (await items.count()) > 0 && (await items.count()) < 20)
    const inRange = await items.count()
    if (inRange < 6 || inRange > 8) throw new Error(`${inRange} attempts in the last 10 days, want about 7`)
    await axe(p, 'history')
  })

  await step('history keyboard only: Tab to Next page, Enter shows page 2', async () => {
    const p = U.page
    await p.goto('/history')
    const next = p.getByRole('button', { name: 'Next page' })
    await next.waitFor({ timeout: T })
    await tabTo(p, next, 'Next page')
    await p.keyboard.press('Enter')
    await p.getByText('Page 2').waitFor({ timeout: T })
  })

  await step('attempt detail: partner, duration, highlighted read-only code; practise again prefills matching', async () => {
    const p = U.page
    await p.goto('/history')
    await p.getByRole('list', { name: 'Attempts, newest first' }).getByRole('link').first().click()
    await p.getByRole('heading', { name: 'Your final code' }).waitFor({ timeout: T })
    await p.getByText(partner.name).first().waitFor()
    await p.getByText('25 min 0 s').waitFor()
    const code = p.getByRole('textbox', { name: 'Your final code, read only' })
    await code.waitFor({ timeout: T })
    if (!(await code.innerText()).includes('def solve(nums):')) throw new Error('code missing')
    await axe(p, 'an attempt')
    await themes(p, 'attempt')
    const again = p.getByRole('link', { name: 'Practise again' })
    await tabTo(p, again, 'Practise again')
    await p.keyboard.press('Enter')
    await p.getByRole('heading', { name: 'Find a match' }).waitFor({ timeout: T })
    const url = new URL(p.url())
    const d = url.searchParams.get('difficulty')
    if (!DIFFS.includes(d)) throw new Error(`practise again went to ${p.url()}`)
    if (!(await p.getByRole('radio', { name: new RegExp(`^${d}`, 'i') }).isChecked())) throw new Error('difficulty not prefilled')
  })

  let created
  await step('admin: a new question shows inline API errors, a Markdown preview, then is created (keyboard only to the editor)', async () => {
    const p = Adm.page
    await signIn(p, admin.name)
    await p.getByRole('link', { name: 'Admin' }).click()
    await p.getByRole('heading', { name: 'Admin' }).waitFor({ timeout: T })
    await axe(p, 'admin')
    await themes(p, 'admin')
    // Keyboard only through the admin pages to a new question's title.
    const manage = p.getByRole('link', { name: 'Manage questions' })
    await tabTo(p, manage, 'Manage questions')
    await p.keyboard.press('Enter')
    await p.getByRole('heading', { name: 'Manage questions' }).waitFor({ timeout: T })
    await p.getByRole('list', { name: 'Questions' }).waitFor({ timeout: T })
    await axe(p, 'manage questions')
    await themes(p, 'admin-questions')
    const newQuestion = p.getByRole('link', { name: 'New question' })
    await tabTo(p, newQuestion, 'New question')
    await p.keyboard.press('Enter')
    const title = `Zebra Stripes ${run}`
    await tabTo(p, p.getByLabel('Title'), 'the title field')
    await p.keyboard.type(title)
    await p.getByLabel('Description (Markdown)').fill('Count the **stripes** of a zebra.\n\n- one\n- two\n\n<script>alert(1)</script>')
    await p.getByRole('region', { name: 'Preview' }).locator('strong', { hasText: 'stripes' }).waitFor()
    await p.getByRole('region', { name: 'Preview' }).getByText('<script>alert(1)</script>').waitFor()
    // No topic yet: the API says so next to the topics.
    await p.getByRole('button', { name: 'Create question' }).click()
    await p.getByText('Please fix the fields marked below.').waitFor({ timeout: T })
    await p.getByText(/must have 1 to 5 items/).waitFor()
    await axe(p, 'the question editor with errors')
    await p.getByRole('group', { name: 'Topics' }).getByRole('checkbox').first().check()
    await p.getByLabel('Example 1 input').fill('stripes = 3')
    await p.getByLabel('Example 1 output').fill('3')
    await p.getByLabel('Python starter code').fill('def count(stripes):\n    pass\n')
    await p.getByRole('button', { name: 'Create question' }).click()
    await p.getByRole('heading', { name: 'Edit question' }).waitFor({ timeout: T })
    created = { title, id: p.url().split('/').pop() }
    await themes(p, 'question-editor')
  })

  await step('admin: an edit made elsewhere meanwhile is detected (412), shown, and not overwritten', async () => {
    const p = Adm.page
    // Someone else edits the question through the API after this page read it.
    const s = await api('/user-service-api/auth/login', { method: 'POST', body: { identifier: admin.name, password } })
    const q = await api(`/question-service-api/questions/${created.id}`, { token: s.access_token })
    const body = Object.fromEntries(Object.entries(q).filter(([k]) => !['id', 'slug', 'created_at', 'updated_at', 'sample_cases'].includes(k)))
    await api(`/question-service-api/questions/${created.id}`, { method: 'PUT', token: s.access_token, body: { ...body, description: 'Edited elsewhere.' } })
    await p.getByLabel('Description (Markdown)').fill('My edit, from a stale copy.')
    await p.getByRole('button', { name: 'Save changes' }).click()
    await p.getByText('Someone else changed this question').waitFor({ timeout: T })
    const after = await api(`/question-service-api/questions/${created.id}`, { token: s.access_token })
    if (after.description !== 'Edited elsewhere.') throw new Error(`overwritten: ${after.description}`)
    await shot(p, 'admin-conflict')
    await p.getByRole('button', { name: /Load their version/ }).click()
    await until('their version loaded', async () => (await p.getByLabel('Description (Markdown)').inputValue()) === 'Edited elsewhere.')
  })

  await step('admin users: search, role change (keyboard only)', async () => {
    const p = Adm.page
    await p.goto('/admin/users')
    await p.getByRole('heading', { name: 'Manage users' }).waitFor({ timeout: T })
    const search = p.getByLabel('Username or email')
    await tabTo(p, search, 'the user search')
    await p.keyboard.type(partner.name)
    await p.keyboard.press('Enter')
    const make = p.getByRole('button', { name: `Make admin: ${partner.name}` })
    await make.waitFor({ timeout: T })
    await axe(p, 'manage users')
    await themes(p, 'admin-users')
    await make.focus()
    await p.keyboard.press('Enter')
    await p.getByRole('button', { name: `Make user: ${partner.name}` }).waitFor({ timeout: T })
    await p.getByRole('button', { name: `Make user: ${partner.name}` }).click()
    await p.getByRole('button', { name: `Make admin: ${partner.name}` }).waitFor({ timeout: T })
  })

  await step('question bank: a normal user finds the new question (search, filters, pages, attempted marks)', async () => {
    const p = U.page
    await p.goto('/questions')
    const list = p.getByRole('list', { name: 'Questions' })
    await list.waitFor({ timeout: T })
    await p.getByText(/on this page attempted/).waitFor({ timeout: T })
    if ((await p.getByText('✓ Attempted').count()) === 0) throw new Error('no attempted mark')
    await axe(p, 'the question bank')
    await themes(p, 'questions')
    await p.getByRole('button', { name: 'Next page' }).click()
    await p.getByText(/^Page 2 of /).waitFor({ timeout: T })
    await p.getByLabel('Difficulty').selectOption('hard')
    await until('only hard questions', async () => {
      const b = await list.getByText(/^(Easy|Medium|Hard)$/).allInnerTexts()
      return b.length > 0 && b.every((x) => x === 'Hard')
    })
    await p.getByLabel('Difficulty').selectOption('')
    // Keyboard only: Tab to the search, type, Enter.
    await p.goto('/questions')
    const search = p.getByRole('searchbox', { name: 'Search' })
    await search.waitFor({ timeout: T })
    await tabTo(p, search, 'the search box')
    await p.keyboard.type(`Zebra Stripes ${run}`)
    await p.keyboard.press('Enter')
    await list.getByRole('link', { name: created.title }).click()
    await p.getByRole('heading', { level: 1, name: created.title }).waitFor({ timeout: T })
    await p.getByText('Edited elsewhere.').waitFor()
    await axe(p, 'a question')
    await themes(p, 'question')
    const practise = p.getByRole('link', { name: 'Practise this' })
    await tabTo(p, practise, 'Practise this')
    await p.keyboard.press('Enter')
    await p.getByRole('heading', { name: 'Find a match' }).waitFor({ timeout: T })
  })

  await step('a normal user sees no admin link and gets the not-found page at /admin', async () => {
    const p = U.page
    await p.goto('/')
    await p.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: T })
    if (await p.getByRole('link', { name: 'Admin' }).count()) throw new Error('admin link shown to a normal user')
    for (const path of ['/admin', '/admin/questions/new', '/admin/users']) {
      await p.goto(path)
      await p.getByRole('heading', { name: 'Page not found' }).waitFor({ timeout: T })
    }
    await axe(p, 'not found')
    await themes(p, 'not-found')
    const home = p.getByRole('link', { name: 'Go to the start page' })
    await tabTo(p, home, 'the start page link')
    await p.keyboard.press('Enter')
    await p.getByRole('heading', { name: /^Welcome back/ }).waitFor({ timeout: T })
  })

  await step('theme: follows the system, and the toggle (keyboard) switches and is kept', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: BASE, colorScheme: 'dark' })
    const p = await ctx.newPage()
    await p.goto('/sign-in')
    await p.getByRole('heading', { name: 'Sign in to PeerPrep' }).waitFor({ timeout: T })
    if ((await p.evaluate(() => document.documentElement.dataset.theme)) !== 'dark') throw new Error('the system dark theme is not followed')
    await axe(p, 'sign-in, dark')
    await p.screenshot({ path: join(SHOTS, 'page-sign-in-dark.png') })
    const toggle = p.getByRole('button', { name: 'Dark theme' })
    await tabTo(p, toggle, 'the theme toggle')
    await p.keyboard.press('Space')
    if ((await p.evaluate(() => document.documentElement.dataset.theme)) !== 'light') throw new Error('the toggle did not switch')
    if ((await toggle.getAttribute('aria-pressed')) !== 'false') throw new Error('aria-pressed not updated')
    await p.reload()
    await p.getByRole('heading', { name: 'Sign in to PeerPrep' }).waitFor({ timeout: T })
    if ((await p.evaluate(() => document.documentElement.dataset.theme)) !== 'light') throw new Error('the choice was not kept')
    await p.screenshot({ path: join(SHOTS, 'page-sign-in-light.png') })
    await ctx.close()
  })

  await step('profile: display name, bio and language saved (keyboard only)', async () => {
    const p = U.page
    await p.goto('/profile')
    const name = p.getByLabel('Display name')
    await name.waitFor({ timeout: T })
    await tabTo(p, name, 'Display name')
    await p.keyboard.type('Usr the Tester')
    await p.keyboard.press('Tab')
    await p.keyboard.type('I like graphs.')
    await p.getByLabel('Preferred language').selectOption('go')
    await p.getByLabel('Display name').press('Enter')
    await p.getByText('Your profile is saved.').waitFor({ timeout: T })
    await axe(p, 'profile')
    await themes(p, 'profile')
    await p.goto('/match')
    await until('Go preselected', async () => (await p.getByLabel('Language').inputValue()) === 'go')
  })

  await step('password change signs out another browser context', async () => {
    const other = await newPerson(browser, 'user-2')
    await signIn(other.page, user.name)
    await other.page.getByRole('heading', { name: /^Welcome back/ }).waitFor({ timeout: T })
    const p = U.page
    await p.goto('/profile')
    await p.getByLabel('Current password').fill(password)
    await p.getByLabel('New password').fill(`${password}-2`)
    await p.getByRole('button', { name: 'Change password' }).click()
    await p.getByText('Password changed.').waitFor({ timeout: T })
    // This context stays signed in; the other is out at its next load.
    await p.goto('/history')
    await p.getByRole('heading', { name: 'Your history' }).waitFor({ timeout: T })
    await other.page.reload()
    await other.page.getByRole('heading', { name: 'Sign in to PeerPrep' }).waitFor({ timeout: T })
    await other.context.close()
  })

  await step('delete account: typed confirmation, signed out, cannot sign in again', async () => {
    const D = await newPerson(browser, 'deleter')
    const p = D.page
    await signIn(p, partner.name)
    await p.getByRole('heading', { name: /^Welcome back/ }).waitFor({ timeout: T })
    await p.goto('/profile')
    const del = p.getByRole('button', { name: 'Delete my account' })
    await del.waitFor({ timeout: T })
    if (!(await del.isDisabled())) throw new Error('delete enabled before the confirmation')
    await p.getByLabel(/^Type your username/).fill('not-my-name')
    if (!(await del.isDisabled())) throw new Error('delete enabled by a wrong confirmation')
    await p.getByLabel(/^Type your username/).fill(partner.name)
    await del.click()
    await p.getByRole('heading', { name: 'Sign in to PeerPrep' }).waitFor({ timeout: T })
    await signIn(p, partner.name)
    await p.getByRole('alert').waitFor({ timeout: T })
    if (!/sign-in/.test(p.url())) throw new Error('signed in after deletion')
    await D.context.close()
  })
}
