import { api, type User } from '../../api/client'
import type { Question } from '../questions/api'

const Q = '/question-service-api/questions'

/** QuestionInput is what an admin writes (POST and PUT bodies): a question without its id and slug. */
export type QuestionInput = Omit<Question, 'id' | 'slug' | 'difficulty'> & { difficulty: string }

/** Versioned is a question with the ETag it was read at, for If-Match. */
export interface Versioned {
  question: Question
  etag: string | null
}

export async function readQuestion(id: string): Promise<Versioned> {
  let etag: string | null = null
  const question = await api.request<Question>('GET', `${Q}/${encodeURIComponent(id)}`, { onHeaders: (h) => (etag = h.get('ETag')) })
  return { question, etag }
}

export async function createQuestion(input: QuestionInput): Promise<Versioned> {
  let etag: string | null = null
  const question = await api.request<Question>('POST', Q, { body: input, onHeaders: (h) => (etag = h.get('ETag')) })
  return { question, etag }
}

/** updateQuestion writes only if the question still has etag: otherwise a 412 ApiError, and nothing is overwritten. */
export async function updateQuestion(id: string, input: QuestionInput, etag: string | null): Promise<Versioned> {
  let next: string | null = null
  const question = await api.request<Question>('PUT', `${Q}/${encodeURIComponent(id)}`, {
    body: input,
    headers: etag ? { 'If-Match': etag } : undefined,
    onHeaders: (h) => (next = h.get('ETag')),
  })
  return { question, etag: next }
}

export const deleteQuestion = (id: string) => api.del<void>(`${Q}/${encodeURIComponent(id)}`)

export interface UserPage {
  items: User[]
  total: number
  page: number
  limit: number
}

export const searchUsers = (query: string, page: number) =>
  api.get<UserPage>(`/user-service-api/users?${new URLSearchParams({ query, page: String(page), limit: '20' }).toString()}`)

export const setRole = (id: string, role: string) => api.request<User>('PATCH', `/user-service-api/users/${encodeURIComponent(id)}/role`, { body: { role } })
