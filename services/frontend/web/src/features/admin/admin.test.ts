import { describe, expect, it } from 'vitest'
import { ApiError } from '../../api/errors'
import { matchLink } from '../matching/lastCriteria'
import { groupErrors } from './QuestionEditorPage'

describe('groupErrors', () => {
  it('files nested field errors under the control that shows them', () => {
    const e = new ApiError({
      status: 400,
      code: 'validation_failed',
      message: 'invalid',
      details: [
        { field: 'title', message: 'is required' },
        { field: 'examples[1].input', message: 'is required' },
        { field: 'starter_code.go', message: 'is too long' },
      ],
    })
    expect(groupErrors(e)).toEqual({
      title: ['is required'],
      examples: ['examples[1].input: is required'],
      starter_code: ['starter_code.go: is too long'],
    })
    expect(groupErrors(new Error('x'))).toEqual({})
  })
})

describe('matchLink', () => {
  it('prefills only the criteria given', () => {
    expect(matchLink({ difficulty: 'hard', topic: 'graphs' })).toBe('/match?difficulty=hard&topic=graphs')
    expect(matchLink({})).toBe('/match')
  })
})
