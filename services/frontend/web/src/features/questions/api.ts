import { api } from '../../api/client'
import { useQuery } from '../../api/query'

export const DIFFICULTIES = ['easy', 'medium', 'hard'] as const
export type Difficulty = (typeof DIFFICULTIES)[number]

export const LANGUAGES = ['python', 'javascript', 'java', 'cpp', 'go'] as const
export type Language = (typeof LANGUAGES)[number]

export const LANGUAGE_NAMES: Record<string, string> = {
  python: 'Python',
  javascript: 'JavaScript',
  java: 'Java',
  cpp: 'C++',
  go: 'Go',
}

export function languageName(l: string | undefined | null): string {
  return (l && LANGUAGE_NAMES[l]) || 'Any language'
}

export function difficultyName(d: string | undefined | null): string {
  return d ? d.charAt(0).toUpperCase() + d.slice(1) : 'Unknown'
}

export interface Topic {
  slug: string
  name: string
  count: number
  by_difficulty?: { easy: number; medium: number; hard: number }
}

export interface Example {
  input: string
  output: string
  explanation: string
}

export interface Question {
  id: string
  slug: string
  title: string
  difficulty: Difficulty
  topics: string[]
  description: string
  examples: Example[]
  constraints: string[]
  hints: string[]
  starter_code: Record<string, string>
  /** Admins' reads only: what the interviewer of a mock interview should ask or look for. */
  interviewer_notes?: string[]
  /** The function to write ("twoSum(nums int[], target int) int[]"), when the question can be run. */
  signature?: string
  /** How outputs are compared: exact (default), unordered, unordered_deep, float. */
  compare?: string
  /** The visible test cases, in order: one JSON value per parameter, and the expected result. */
  sample_cases?: SampleCase[]
}

export interface SampleCase {
  input: unknown[]
  expected: unknown
}

export const fetchTopics = () => api.get<Topic[]>('/question-service-api/topics')
export const fetchQuestion = (id: string) => api.get<Question>(`/question-service-api/questions/${encodeURIComponent(id)}`)

export function useTopics() {
  return useQuery('topics', fetchTopics, { staleMs: 5 * 60_000 })
}

export function useQuestion(id: string | undefined) {
  return useQuery(id ? `question:${id}` : null, () => fetchQuestion(id!), { staleMs: 10 * 60_000 })
}

/** topicName turns a slug into its name, when the topics are known. */
export function topicName(topics: Topic[] | undefined, slug: string): string {
  return topics?.find((t) => t.slug === slug)?.name ?? slug.replace(/-/g, ' ')
}

export interface QuestionSummary {
  id: string
  slug: string
  title: string
  difficulty: Difficulty
  topics: string[]
  created_at: string
  updated_at: string
}

export interface QuestionPage {
  items: QuestionSummary[]
  total: number
  page: number
  limit: number
}

export interface QuestionFilter {
  q?: string
  difficulty?: string
  topic?: string
  page?: number
}

export const PAGE_SIZE = 20

export function questionsQuery(f: QuestionFilter): string {
  const p = new URLSearchParams()
  if (f.q) p.set('q', f.q)
  if (f.difficulty) p.set('difficulty', f.difficulty)
  if (f.topic) p.set('topic', f.topic)
  p.set('page', String(f.page ?? 1))
  p.set('limit', String(PAGE_SIZE))
  return `/question-service-api/questions?${p.toString()}`
}

export const fetchQuestions = (f: QuestionFilter) => api.get<QuestionPage>(questionsQuery(f))
