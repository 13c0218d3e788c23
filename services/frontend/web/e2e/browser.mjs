// Browser tests: two people in two browser contexts use the real platform
// at PEERPREP_E2E_URL through the built app, the way a person would
// (roles, labels, visible text). Fails on any step, any page error and any
// Content-Security-Policy violation.
//
//   PEERPREP_E2E_URL=http://localhost:4173 npm run test:browser
//
// Optional: PEERPREP_E2E_CONTROL_URL (rolling restart of collaboration),
// CHROMIUM_PATH (default /usr/bin/chromium), PEERPREP_SCREENSHOT_DIR,
// PEERPREP_E2E_ONLY (a comma-separated list of parts to run: journey, mock,
// invite, run, pages; default all).
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { runInvite } from './invite.mjs'
import { runMock } from './mock.mjs'
import { runPages } from './pages.mjs'
import { runRun } from './run.mjs'

const BASE = (process.env.PEERPREP_E2E_URL ?? '').replace(/\/+$/, '')
const CONTROL = (process.env.PEERPREP_E2E_CONTROL_URL ?? '').replace(/\/+$/, '')
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const SHOTS = process.env.PEERPREP_SCREENSHOT_DIR || 'test-results/screenshots'
const T = 20_000 // default wait for something a person would see
const ONLY = new Set((process.env.PEERPREP_E2E_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean))
/** want says whether a part of the browser tests runs (PEERPREP_E2E_ONLY; default every part). */
const want = (part) => ONLY.size === 0 || ONLY.has(part)

if (!BASE) {
  console.error('PEERPREP_E2E_URL is required (the public base URL of a running platform)')
  process.exit(2)
}

const started = Date.now()
const secs = (ms) => (ms / 1000).toFixed(1)
let passed = 0
let failed = 0
let skipped = 0

async function step(name, fn) {
  const t0 = Date.now()
  try {
    await fn()
    passed++
    console.log(`ok   ${name} (${secs(Date.now() - t0)} s, at ${secs(Date.now() - started)} s)`)
  } catch (e) {
    failed++
    console.log(`FAIL ${name} (${secs(Date.now() - t0)} s, at ${secs(Date.now() - started)} s)`)
    for (const p of people) {
      await p.page.screenshot({ path: join(SHOTS, `failed-${p.label}.png`) }).catch(() => {})
    }
    throw e
  }
}

function skip(name, why) {
  skipped++
  console.log(`skip ${name}: ${why}`)
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** until polls fn until it returns a truthy value. */
async function until(what, fn, timeout = T) {
  const end = Date.now() + timeout
  let last
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`)
    await sleep(150)
  }
}

let shotNo = 0
async function shot(page, name) {
  shotNo++
  const file = join(SHOTS, `${String(shotNo).padStart(2, '0')}-${name}.png`)
  await page.screenshot({ path: file })
  return file
}

const people = []
const cspViolations = []
const pageErrors = []

async function newPerson(browser, label) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: BASE })
  // Reported by the browser for anything the policy refused (inline style, eval, foreign host…).
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`)
    })
  })
  const page = await context.newPage()
  page.on('console', (m) => {
    const text = m.text()
    if (/Content Security Policy|CSP violation/i.test(text)) cspViolations.push(`${label}: ${text}`)
  })
  page.on('pageerror', (e) => pageErrors.push(`${label}: ${e.message}`))
  const person = { label, context, page }
  people.push(person)
  return person
}

function assertClean() {
  if (cspViolations.length) throw new Error(`Content-Security-Policy violations:\n${cspViolations.join('\n')}`)
  if (pageErrors.length) throw new Error(`uncaught page errors:\n${pageErrors.join('\n')}`)
}

const editorBox = (page) => page.getByRole('textbox', { name: 'Code editor, shared with your partner' })

/**
 * editorText is the document as the editor shows it: its lines' text
 * without widgets (the partner's caret and its label are
 * contenteditable=false widgets inside the line).
 */
async function editorText(page) {
  return editorBox(page).evaluate((el) =>
    [...el.children]
      .map((line) => {
        const c = line.cloneNode(true)
        for (const w of c.querySelectorAll('[contenteditable="false"]')) w.remove()
        return c.textContent.replace(/\u2060/g, '')
      })
      .join('\n'),
  )
}

async function typeInEditor(page, text) {
  const box = editorBox(page)
  await box.click()
  await page.keyboard.press('Control+End')
  await page.keyboard.type(text, { delay: 15 })
}

async function noHorizontalScroll(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)
}

async function api(path, { method = 'GET', token, body } = {}) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
  return text ? JSON.parse(text) : undefined
}

async function main() {
  await mkdir(SHOTS, { recursive: true })
  // Only this script's own files from an earlier run (NN-name.png, failed-*.png).
  for (const f of await readdir(SHOTS)) {
    if (/^(\d\d-[\w-]+|failed-\w+)\.png$/.test(f)) await rm(join(SHOTS, f))
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
  const run = Date.now().toString(36).slice(-5) + Math.random().toString(36).slice(2, 5)
  const password = `pw-${run}-long-enough`
  const A = await newPerson(browser, 'alice')
  const B = await newPerson(browser, 'bob')
  A.name = `alice_${run}`
  B.name = `bob_${run}`
  let criteria
  let sessionUrl
  const markers = []

  try {
    if (want('journey')) {
      await step('the app loads under its Content-Security-Policy and asks to sign in', async () => {
        const res = await A.page.goto('/')
        const csp = res?.headers()['content-security-policy']
        if (!csp) console.log('     note: the page came without a Content-Security-Policy header')
        await A.page.waitForURL(/\/sign-in/, { timeout: T })
        await A.page.getByRole('heading', { name: 'Sign in to PeerPrep' }).waitFor({ timeout: T })
        await shot(A.page, 'sign-in')
      })

      await step('sign-up shows the API field errors next to the fields', async () => {
        const p = A.page
        await p.getByRole('link', { name: 'Create an account' }).click()
        await p.getByLabel('Username').fill('X!')
        await p.getByLabel('Email').fill('not-an-email')
        await p.getByLabel('Password', { exact: true }).fill('short')
        await p.getByRole('button', { name: 'Create account' }).click()
        await until('the username field marked invalid', async () => (await p.getByLabel('Username').getAttribute('aria-invalid')) === 'true')
        await shot(p, 'sign-up-errors')
      })

      for (const person of [A, B]) {
        await step(`${person.label} signs up${person === B ? ' with the keyboard only' : ''}`, async () => {
          const p = person.page
          if (person === A) {
            await p.getByLabel('Username').fill(person.name)
            await p.getByLabel('Email').fill(`${person.name}@example.com`)
            await p.getByLabel('Password', { exact: true }).fill(password)
            await p.getByRole('button', { name: 'Create account' }).click()
          } else {
            // Keyboard only: Tab between the fields, Enter submits.
            await p.goto('/sign-up')
            await p.getByLabel('Username').focus()
            await p.keyboard.type(person.name)
            await p.keyboard.press('Tab')
            await p.keyboard.type(`${person.name}@example.com`)
            await p.keyboard.press('Tab')
            await p.keyboard.type(password)
            await p.keyboard.press('Enter')
          }
          // Signed up: the dashboard, then matching from the main navigation.
          await p.getByRole('heading', { name: `Welcome back, ${person.name}` }).waitFor({ timeout: T })
          if (person === A) await shot(p, 'dashboard-new')
          await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Find a match', exact: true }).click()
          await p.getByRole('heading', { name: 'Find a match' }).waitFor({ timeout: T })
          if (person === A) await shot(p, 'find-match')
        })
      }

      await step('a topic and difficulty with questions is picked from /topics', async () => {
        const s = await api('/user-service-api/auth/login', { method: 'POST', body: { identifier: A.name, password } })
        const topics = await api('/question-service-api/topics', { token: s.access_token })
        const combos = []
        for (const t of topics) for (const d of ['easy', 'medium', 'hard']) if ((t.by_difficulty?.[d] ?? 0) > 0) combos.push({ topic: t, difficulty: d })
        if (!combos.length) throw new Error('no topic has questions')
        const c = combos[Math.floor(Math.random() * combos.length)]
        criteria = { topicLabel: `${c.topic.name} (${c.topic.count})`, difficulty: c.difficulty, language: 'Python' }
        console.log(`     criteria: ${c.topic.slug} / ${c.difficulty} / python`)
      })

      await step('alice asks for a match and the queue shows the wait and the time left', async () => {
        for (const person of [A, B]) {
          const p = person.page
          await p.getByLabel('Topic').selectOption({ label: criteria.topicLabel })
          await p.getByRole('radio', { name: new RegExp(`^${criteria.difficulty}`, 'i') }).check()
          await p.getByLabel('Language').selectOption({ label: criteria.language })
        }
        await A.page.getByRole('button', { name: 'Find a match' }).click()
        await A.page.getByRole('heading', { name: 'Looking for a peer…' }).waitFor({ timeout: T })
        await A.page.getByText('Time left').waitFor()
        await sleep(1200)
        await shot(A.page, 'queued')
      })

      await step('alice reloads while queued and is still in the queue', async () => {
        await A.page.reload()
        await A.page.getByRole('heading', { name: 'Looking for a peer…' }).waitFor({ timeout: T })
        await A.page.getByRole('button', { name: 'Cancel' }).waitFor()
        await B.page.getByRole('button', { name: 'Find a match' }).dblclick()
      })

      await step('bob asks with a double click; both land in the same session, partner named', async () => {
        await A.page.waitForURL(/\/session\/[0-9a-f-]{36}$/, { timeout: 45_000 })
        await B.page.waitForURL(/\/session\/[0-9a-f-]{36}$/, { timeout: 45_000 })
        if (A.page.url() !== B.page.url()) throw new Error(`different sessions: ${A.page.url()} vs ${B.page.url()}`)
        sessionUrl = A.page.url()
        await A.page.getByRole('heading', { name: `Session with ${B.name}` }).waitFor({ timeout: T })
        await B.page.getByRole('heading', { name: `Session with ${A.name}` }).waitFor({ timeout: T })
      })

      await step('both see the same question', async () => {
        const title = async (p) => {
          const h = p.getByRole('region', { name: /./ }).getByRole('heading', { level: 2 }).first()
          await h.waitFor({ timeout: T })
          return h.innerText()
        }
        const [ta, tb] = [await title(A.page), await title(B.page)]
        if (ta !== tb) throw new Error(`different questions: ${ta} / ${tb}`)
        console.log(`     question: ${ta}`)
      })

      await step('each types and sees the other\u2019s text and cursor label', async () => {
        await editorBox(A.page).waitFor({ timeout: T })
        await editorBox(B.page).waitFor({ timeout: T })
        await A.page.getByText('Editor: Connected').waitFor({ timeout: T })
        await B.page.getByText('Editor: Connected').waitFor({ timeout: T })
        markers.push('# alice was here')
        await typeInEditor(A.page, `\n${markers.at(-1)}`)
        await until('bob to see alice\u2019s line', async () => (await editorText(B.page)).includes('# alice was here'))
        markers.push('# bob too')
        await typeInEditor(B.page, `\n${markers.at(-1)}`)
        await until('alice to see bob\u2019s line', async () => (await editorText(A.page)).includes('# bob too'))
        const editorA = A.page.getByRole('region', { name: 'Shared code editor' })
        const editorB = B.page.getByRole('region', { name: 'Shared code editor' })
        await editorA.getByText(B.name, { exact: true }).waitFor({ timeout: T })
        await editorB.getByText(A.name, { exact: true }).waitFor({ timeout: T })
        const [ta, tb] = [await editorText(A.page), await editorText(B.page)]
        if (ta !== tb) throw new Error(`editors differ:\n${ta}\n---\n${tb}`)
      })

      await step('chat both ways, in order, rendered as text', async () => {
        const hello = `hello <b>bob</b> ${run}`
        await A.page.getByLabel('Message', { exact: true }).fill(hello)
        await A.page.getByRole('button', { name: 'Send' }).click()
        await B.page.getByRole('log', { name: 'Messages' }).getByText(hello, { exact: true }).waitFor({ timeout: T })
        const reply = `hi alice ${run}`
        await B.page.getByLabel('Message', { exact: true }).fill(reply)
        await B.page.keyboard.press('Enter')
        await A.page.getByRole('log', { name: 'Messages' }).getByText(reply, { exact: true }).waitFor({ timeout: T })
        await A.page.getByText(`${B.name} is in the chat`).waitFor({ timeout: T })
        await shot(A.page, 'session-room')
      })

      await step('bob reloads mid-session and rejoins with the text and chat intact', async () => {
        const before = await editorText(A.page)
        await B.page.reload()
        await editorBox(B.page).waitFor({ timeout: T })
        await until('the document after the reload', async () => (await editorText(B.page)) === before)
        await B.page.getByRole('log', { name: 'Messages' }).getByText(`hi alice ${run}`).waitFor({ timeout: T })
        markers.push('# after reload')
        await typeInEditor(B.page, `\n${markers.at(-1)}`)
        await until('alice to see the line typed after the reload', async () => (await editorText(A.page)).includes('# after reload'))
      })

      if (!CONTROL) {
        skip('rolling restart of collaboration during editing', 'PEERPREP_E2E_CONTROL_URL is not set')
      } else {
        await step('a rolling restart of collaboration during editing loses nothing', async () => {
          const restart = fetch(`${CONTROL}/restart?service=collaboration`, { method: 'POST' }).then(async (r) => {
            if (!r.ok) throw new Error(`restart: ${r.status} ${await r.text()}`)
            return r.json()
          })
          let done = false
          restart.finally(() => (done = true)).catch(() => {})
          let i = 0
          while (!done && i < 60) {
            const who = i % 2 === 0 ? A : B
            const line = `# during restart ${i} by ${who.label}`
            markers.push(line)
            await typeInEditor(who.page, `\n${line}`)
            await sleep(400)
            i++
          }
          const answer = await restart
          console.log(`     restarted ${answer?.restarted} instance(s) while typing ${i} lines`)
          for (const who of [A, B]) {
            const line = `# after restart by ${who.label}`
            markers.push(line)
            await typeInEditor(who.page, `\n${line}`)
          }
          await until(
            'both editors to hold every line',
            async () => {
              const [ta, tb] = [await editorText(A.page), await editorText(B.page)]
              return ta === tb && markers.every((m) => ta.includes(m))
            },
            45_000,
          )
        })
      }

      await step('at a 390 px phone width the session panes stack with no horizontal scroll', async () => {
        const p = B.page
        await p.setViewportSize({ width: 390, height: 844 })
        await sleep(300)
        if (!(await noHorizontalScroll(p))) throw new Error('the session room scrolls sideways at 390 px')
        const q = await p.getByRole('region', { name: 'Shared code editor' }).boundingBox()
        const c = await p.getByRole('region', { name: 'Chat' }).boundingBox()
        const question = await p.getByRole('heading', { level: 2 }).first().boundingBox()
        if (!q || !c || !question) throw new Error('a pane is missing')
        if (!(question.y < q.y && q.y < c.y)) throw new Error('panes are not stacked (question, editor, chat)')
        if (q.width > 390 || c.width > 390) throw new Error('a pane is wider than the phone')
        await shot(p, 'session-phone')
        await p.setViewportSize({ width: 1280, height: 800 })
      })

      let finalA
      await step('alice leaves (with confirmation) and bob is told', async () => {
        finalA = await editorText(A.page)
        await A.page.getByRole('button', { name: 'Leave session' }).click()
        await A.page.getByRole('dialog', { name: 'Leave this session?' }).getByRole('button', { name: 'Leave' }).click()
        await A.page.getByRole('heading', { name: 'Session summary' }).waitFor({ timeout: T })
        await B.page.getByText(`${A.name} has left the session`).waitFor({ timeout: 30_000 })
      })

      await step('bob leaves with the keyboard; both summaries show the final code and link the attempt', async () => {
        await B.page.getByRole('button', { name: 'Leave session' }).focus()
        await B.page.keyboard.press('Enter')
        await B.page.getByRole('dialog', { name: 'Leave this session?' }).waitFor({ timeout: T })
        const focused = await B.page.evaluate(() => document.activeElement?.textContent)
        if (focused !== 'Stay') throw new Error(`the dialog should focus "Stay", focus is on ${JSON.stringify(focused)}`)
        await B.page.keyboard.press('Tab')
        await B.page.keyboard.press('Enter')
        await B.page.getByRole('heading', { name: 'Session summary' }).waitFor({ timeout: T })
        for (const who of [A, B]) {
          await who.page.getByRole('link', { name: 'View this attempt in your history' }).waitFor({ timeout: 60_000 })
        }
        for (const m of markers) await A.page.getByText(m, { exact: false }).first().waitFor({ timeout: T })
        await shot(A.page, 'summary')
      })

      await step('each finds the attempt with the final code in history', async () => {
        for (const who of [A, B]) {
          const p = who.page
          await p.getByRole('link', { name: 'View this attempt in your history' }).click()
          await p.getByRole('heading', { name: 'Your final code' }).waitFor({ timeout: T })
          const code = await p.getByLabel('Your final code').innerText()
          for (const m of markers) if (!code.includes(m)) throw new Error(`${who.label}'s attempt lacks ${m}:\n${code}`)
          if (who === A && code.trim() !== finalA.trim()) console.log('     note: the attempt differs from the editor text seen before leaving (bob typed after?)')
          if (who === A) await shot(p, 'attempt')
          await p.getByRole('link', { name: '← Back to your history' }).click()
          await p.getByRole('heading', { name: 'Your history' }).waitFor({ timeout: T })
          await p.getByRole('list', { name: 'Attempts, newest first' }).getByRole('listitem').first().waitFor({ timeout: T })
          if (who === A) await shot(p, 'history')
        }
        void sessionUrl
      })

      await step('bob is reminded of the session awaiting his feedback and follows the reminder', async () => {
        const p = B.page
        await p.goto('/')
        const banner = p.getByRole('region', { name: 'A session is awaiting your feedback' })
        await banner.waitFor({ timeout: T })
        await banner.getByRole('link', { name: new RegExp(`^Rate ${A.name}`) }).click()
        await p.getByRole('heading', { name: 'Session summary' }).waitFor({ timeout: T })
      })

      await step('each rates the partner on the summary and may change it', async () => {
        for (const [who, n] of [
          [B, '4'],
          [A, '5'],
        ]) {
          const p = who.page
          if (who === A) await p.goto(`${new URL(sessionUrl).pathname}/summary`)
          const form = p.getByRole('form', { name: /^How did .+ do\?$/ })
          await form.waitFor({ timeout: T })
          for (const g of ['Problem solving', 'Communication', 'Code quality']) {
            await form.getByRole('group', { name: g }).getByRole('radio', { name: n, exact: true }).check()
          }
          await form.getByLabel('Comment (optional)').fill(`from ${who.label} ${run}`)
          await form.getByRole('button', { name: 'Send feedback' }).click()
          await p.getByText(/your feedback was saved/).waitFor({ timeout: T })
          await p.getByRole('button', { name: 'Update feedback' }).waitFor({ timeout: T })
        }
        await shot(A.page, 'feedback')
        await B.page.goto('/')
        await B.page.getByRole('heading', { level: 1, name: /^Welcome back/ }).waitFor({ timeout: T })
        await sleep(1500)
        if (await B.page.getByRole('region', { name: /awaiting your feedback/ }).count()) throw new Error('bob is still reminded after rating')
      })

      await step('the sign-in page fits a phone too', async () => {
        const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, baseURL: BASE })
        const p = await ctx.newPage()
        p.on('console', (m) => /Content Security Policy|CSP violation/i.test(m.text()) && cspViolations.push(`phone: ${m.text()}`))
        await p.goto('/sign-in')
        await p.getByRole('heading', { name: 'Sign in to PeerPrep' }).waitFor({ timeout: T })
        if (!(await noHorizontalScroll(p))) throw new Error('the sign-in page scrolls sideways at 390 px')
        await ctx.close()
      })
    }

    if (want('mock')) await runMock({ browser, step, shot, api, until, T, newPerson })

    if (want('invite')) await runInvite({ browser, step, shot, api, T, newPerson })

    if (want('run')) await runRun({ browser, step, shot, api, until, T, newPerson, editorBox, editorText })

    if (want('pages')) await runPages({ browser, BASE, CONTROL, step, skip, shot, api, until, T, newPerson, SHOTS })

    await step('no Content-Security-Policy violation and no page error anywhere', async () => assertClean())
  } finally {
    await browser.close().catch(() => {})
  }
}

main()
  .then(() => {
    console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
    console.log(`browser tests done in ${secs(Date.now() - started)} s; screenshots in ${SHOTS}`)
  })
  .catch((e) => {
    console.error(e instanceof Error ? e.stack : e)
    if (cspViolations.length) console.error(`CSP violations:\n${cspViolations.join('\n')}`)
    if (pageErrors.length) console.error(`page errors:\n${pageErrors.join('\n')}`)
    console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
    process.exit(1)
  })
