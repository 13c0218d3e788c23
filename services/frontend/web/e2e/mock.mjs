// Browser test of a whole mock interview (issue 21): two people ask for a
// mock interview and are matched; each sees their role, the interviewer the
// hints and the notes for the interviewer and the candidate neither; both
// click "swap" and the second question appears with the roles swapped; both
// finish, leave and rate each other; each one's history shows both
// questions with the role they had and the feedback they received. Run by
// browser.mjs on the same platform and with its helpers.

export async function runMock(h) {
  const { browser, step, shot, api, until, T, newPerson } = h
  const run = Date.now().toString(36).slice(-5) + Math.random().toString(36).slice(2, 5)
  const password = `pw-${run}-long-enough`
  const C = await newPerson(browser, 'carol')
  const D = await newPerson(browser, 'dave')
  C.name = `carol_${run}`
  D.name = `dave_${run}`
  let criteria
  const titles = []

  /** questionTitle is the title of the question the session shows (the level-2 heading that is not a pane's). */
  const questionTitle = async (p) =>
    until('the question title', async () => {
      const texts = await p.getByRole('main').getByRole('heading', { level: 2 }).allInnerTexts()
      return texts.find((t) => !/^(Mock interview|Chat|Feedback|Final code|Your private notes|A session is awaiting)/.test(t.trim()))
    })
  const panel = (p) => p.getByRole('region', { name: /^Mock interview · / })

  await step('mock interview: two people sign in and pick a topic with two questions', async () => {
    for (const who of [C, D]) {
      await api('/user-service-api/auth/signup', { method: 'POST', body: { username: who.name, email: `${who.name}@example.com`, password } })
      const p = who.page
      await p.goto('/sign-in')
      await p.getByLabel('Email or username').fill(who.name)
      await p.getByLabel('Password').fill(password)
      await p.getByRole('button', { name: 'Sign in' }).click()
      await p.getByRole('heading', { name: `Welcome back, ${who.name}` }).waitFor({ timeout: T })
    }
    const s = await api('/user-service-api/auth/login', { method: 'POST', body: { identifier: C.name, password } })
    const topics = await api('/question-service-api/topics', { token: s.access_token })
    // collaboration-service draws the second question from the first
    // question's first topic: pick a topic and difficulty whose questions
    // all have it first, and at least two of them, so it differs.
    const combos = []
    for (const t of topics) for (const d of ['easy', 'medium', 'hard']) if ((t.by_difficulty?.[d] ?? 0) >= 2) combos.push({ topic: t, difficulty: d })
    combos.sort(() => Math.random() - 0.5)
    let c
    for (const x of combos) {
      const page = await api(`/question-service-api/questions?topic=${x.topic.slug}&difficulty=${x.difficulty}&page=1&limit=100`, { token: s.access_token })
      if (page.items.length >= 2 && page.total === page.items.length && page.items.every((q) => q.topics[0] === x.topic.slug)) {
        c = x
        break
      }
    }
    if (!c) throw new Error('no topic and difficulty with two questions that have it as their first topic')
    criteria = { topicLabel: `${c.topic.name} (${c.topic.count})`, difficulty: c.difficulty, language: 'Python' }
    console.log(`     criteria: ${c.topic.slug} / ${c.difficulty} / python, mock interview`)
  })

  await step('mock interview: both ask for one (carol to start as the interviewer) and land in one session', async () => {
    for (const who of [C, D]) {
      const p = who.page
      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Find a match', exact: true }).click()
      await p.getByRole('heading', { name: 'Find a match' }).waitFor({ timeout: T })
      await p.getByRole('radio', { name: 'Mock interview' }).check()
      if (who === C) await p.getByRole('checkbox', { name: 'Start as the interviewer' }).check()
      await p.getByLabel('Topic').selectOption({ label: criteria.topicLabel })
      await p.getByRole('radio', { name: new RegExp(`^${criteria.difficulty}`, 'i') }).check()
      await p.getByLabel('Language').selectOption({ label: criteria.language })
    }
    await C.page.getByRole('button', { name: 'Find a match' }).click()
    await C.page.getByRole('heading', { name: 'Looking for a peer…' }).waitFor({ timeout: T })
    await C.page.getByText(/^Mock interview · /).waitFor({ timeout: T })
    await D.page.getByRole('button', { name: 'Find a match' }).click()
    for (const who of [C, D]) await who.page.waitForURL(/\/session\/[0-9a-f-]{36}$/, { timeout: 45_000 })
    if (C.page.url() !== D.page.url()) throw new Error(`different sessions: ${C.page.url()} vs ${D.page.url()}`)
    await C.page.getByRole('heading', { name: `Session with ${D.name}` }).waitFor({ timeout: T })
    await D.page.getByRole('heading', { name: `Session with ${C.name}` }).waitFor({ timeout: T })
  })

  await step('mock interview: roles shown; the interviewer sees hints and notes, the candidate neither', async () => {
    await panel(C.page).getByText('part 1 of 2').waitFor({ timeout: T })
    await panel(C.page).getByText(/^You are the interviewer/).waitFor({ timeout: T })
    await panel(D.page).getByText(/^You are the candidate/).waitFor({ timeout: T })
    await C.page.getByRole('timer', { name: 'Time left in this part' }).waitFor({ timeout: T })
    await C.page.getByRole('heading', { name: 'Notes for the interviewer', level: 3 }).waitFor({ timeout: T })
    await C.page.getByRole('heading', { name: 'Hints', level: 3 }).waitFor({ timeout: T })
    await D.page.getByText('Hints are for the interviewer in this part of the interview.').waitFor({ timeout: T })
    const [tc, td] = [await questionTitle(C.page), await questionTitle(D.page)]
    if (tc !== td) throw new Error(`different questions: ${tc} / ${td}`)
    titles.push(tc)
    console.log(`     first question: ${tc}`)
    for (const name of ['Notes for the interviewer', 'Hints']) {
      if (await D.page.getByRole('heading', { name, level: 3 }).count()) throw new Error(`the candidate sees "${name}"`)
    }
    await shot(C.page, 'mock-interviewer')
    await shot(D.page, 'mock-candidate')
  })

  await step('mock interview: both click swap; roles swap and the second question appears', async () => {
    await C.page.getByRole('button', { name: 'Swap roles now' }).click()
    await C.page.getByText(`Waiting for ${D.name} to agree…`).waitFor({ timeout: T })
    await D.page.getByText(`${C.name} is ready to swap roles.`).waitFor({ timeout: T })
    await D.page.getByRole('button', { name: 'Swap roles now' }).click()
    for (const who of [C, D]) await panel(who.page).getByText('part 2 of 2').waitFor({ timeout: T })
    await panel(C.page).getByText(/^You are the candidate/).waitFor({ timeout: T })
    await panel(D.page).getByText(/^You are the interviewer/).waitFor({ timeout: T })
    const second = await until('the second question on both screens', async () => {
      const [tc, td] = [await questionTitle(C.page), await questionTitle(D.page)]
      return tc === td && tc !== titles[0] && tc
    })
    titles.push(second)
    console.log(`     second question: ${second}`)
    await D.page.getByRole('heading', { name: 'Notes for the interviewer', level: 3 }).waitFor({ timeout: T })
    await C.page.getByText('Hints are for the interviewer in this part of the interview.').waitFor({ timeout: T })
    if (await C.page.getByRole('heading', { name: 'Notes for the interviewer', level: 3 }).count()) throw new Error('the new candidate still sees the notes')
  })

  await step('mock interview: both finish, leave and rate each other', async () => {
    await C.page.getByRole('button', { name: 'Finish the interview' }).click()
    await D.page.getByRole('button', { name: 'Finish the interview' }).click()
    for (const who of [C, D]) await panel(who.page).getByText('Both parts are done.').waitFor({ timeout: T })
    for (const who of [C, D]) {
      const p = who.page
      await p.getByRole('button', { name: 'Leave session' }).click()
      await p.getByRole('dialog', { name: 'Leave this session?' }).getByRole('button', { name: 'Leave' }).click()
      await p.getByRole('heading', { name: 'Session summary' }).waitFor({ timeout: T })
    }
    for (const [who, n] of [
      [C, '5'],
      [D, '3'],
    ]) {
      const form = who.page.getByRole('form', { name: /^How did .+ do\?$/ })
      await form.waitFor({ timeout: T })
      for (const g of ['Problem solving', 'Communication', 'Code quality']) {
        await form.getByRole('group', { name: g }).getByRole('radio', { name: n, exact: true }).check()
      }
      await form.getByLabel('Comment (optional)').fill(`mock feedback from ${who.label} ${run}`)
      await form.getByRole('button', { name: 'Send feedback' }).click()
      await who.page.getByText(/your feedback was saved/).waitFor({ timeout: T })
    }
  })

  await step('mock interview: each history shows both questions, the role each had, and the feedback received', async () => {
    for (const [who, partner, firstRole, secondRole] of [
      [C, D, 'Interviewer', 'Candidate'],
      [D, C, 'Candidate', 'Interviewer'],
    ]) {
      const p = who.page
      await until(
        `${who.label}'s history to list both questions`,
        async () => {
          await p.goto('/history')
          const list = p.getByRole('list', { name: 'Attempts, newest first' })
          await list.waitFor({ timeout: 5000 })
          for (const t of titles) if (!(await list.getByRole('link', { name: t, exact: true }).count())) return false
          return true
        },
        60_000,
      )
      for (const [t, role] of [
        [titles[0], firstRole],
        [titles[1], secondRole],
      ]) {
        await p.goto('/history')
        await p.getByRole('list', { name: 'Attempts, newest first' }).getByRole('link', { name: t, exact: true }).first().click()
        await p.getByRole('heading', { name: t, level: 1 }).waitFor({ timeout: T })
        await p.getByRole('definition').filter({ hasText: `${role} (mock interview)` }).waitFor({ timeout: T })
        const received = p.getByRole('region', { name: `Feedback from ${partner.name}` })
        await received.getByText(`mock feedback from ${partner.label} ${run}`).waitFor({ timeout: T })
        if (who === C && t === titles[1]) await shot(p, 'mock-attempt')
      }
    }
  })
}
