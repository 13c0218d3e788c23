// Browser test of inviting a friend (issue 21): one person creates an
// invite link from the dashboard; the friend, signed out, opens it, signs
// in and comes back to it, sees who invited them to what, accepts, and
// both land in the same session (the inviter's page learns it on
// matching's socket). Run by browser.mjs with its helpers.

export async function runInvite(h) {
  const { browser, step, shot, api, T, newPerson } = h
  const run = Date.now().toString(36).slice(-5) + Math.random().toString(36).slice(2, 5)
  const password = `pw-${run}-long-enough`
  const E = await newPerson(browser, 'erin')
  const F = await newPerson(browser, 'frank')
  E.name = `erin_${run}`
  F.name = `frank_${run}`
  let link

  const signIn = async (p, name) => {
    await p.getByLabel('Email or username').fill(name)
    await p.getByLabel('Password').fill(password)
    await p.getByRole('button', { name: 'Sign in' }).click()
  }

  await step('invite: erin creates a mock-interview invite link from the dashboard', async () => {
    for (const who of [E, F]) {
      await api('/user-service-api/auth/signup', { method: 'POST', body: { username: who.name, email: `${who.name}@example.com`, password } })
    }
    const p = E.page
    await p.goto('/sign-in')
    await signIn(p, E.name)
    await p.getByRole('heading', { name: `Welcome back, ${E.name}` }).waitFor({ timeout: T })
    await p.getByRole('main').getByRole('link', { name: 'Invite a friend' }).click()
    await p.getByRole('heading', { name: 'Invite a friend', level: 1 }).waitFor({ timeout: T })
    await p.getByLabel('Topic').waitFor({ timeout: T })
    await p.getByRole('radio', { name: 'Mock interview' }).check()
    await p.getByLabel('Language').selectOption({ label: 'Python' })
    await p.getByRole('button', { name: 'Create invite link' }).click()
    await p.getByRole('heading', { name: 'Your invite link is ready' }).waitFor({ timeout: T })
    link = await p.getByLabel('Invite link', { exact: true }).inputValue()
    if (!/\/invite\/[A-Za-z0-9_-]{22}$/.test(link)) throw new Error(`unexpected link ${link}`)
    await p.getByText('Mock interview: you start as the interviewer').waitFor({ timeout: T })
    await shot(p, 'invite-link')
  })

  await step('invite: frank opens the link signed out, signs in and comes back to it', async () => {
    const p = F.page
    await p.goto(new URL(link).pathname)
    await p.getByRole('heading', { name: 'Sign in to PeerPrep' }).waitFor({ timeout: T })
    await signIn(p, F.name)
    await p.waitForURL(/\/invite\/[A-Za-z0-9_-]{22}$/, { timeout: T })
    await p.getByRole('heading', { name: `${E.name} invited you to practise` }).waitFor({ timeout: T })
    await p.getByText('Mock interview: you start as the candidate').waitFor({ timeout: T })
    await shot(p, 'invite-accept')
  })

  await step('invite: frank accepts and both land in the same session with their roles', async () => {
    await F.page.getByRole('button', { name: 'Accept and join the session' }).click()
    for (const who of [E, F]) await who.page.waitForURL(/\/session\/[0-9a-f-]{36}$/, { timeout: 45_000 })
    if (E.page.url() !== F.page.url()) throw new Error(`different sessions: ${E.page.url()} vs ${F.page.url()}`)
    await E.page.getByRole('heading', { name: `Session with ${F.name}` }).waitFor({ timeout: T })
    await F.page.getByRole('heading', { name: `Session with ${E.name}` }).waitFor({ timeout: T })
    await E.page.getByRole('region', { name: /^Mock interview · / }).getByText(/^You are the interviewer/).waitFor({ timeout: T })
    await F.page.getByRole('region', { name: /^Mock interview · / }).getByText(/^You are the candidate/).waitFor({ timeout: T })
  })

  await step('invite: the used link says so in words', async () => {
    const p = F.page
    await p.goto(new URL(link).pathname)
    await p.getByText('This invite was already accepted. Ask your friend for a new one.').waitFor({ timeout: T })
    await p.goBack()
  })
}
