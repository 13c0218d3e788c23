// Names of the shared texts in a session's Y.Doc, apart from yjs so pages
// can name them without loading the editor.

/** TEXT_NAME is the session's code (the first question's, in a mock interview). */
export const TEXT_NAME = 'code'

/** SECOND_TEXT_NAME is a mock interview's second question: a fresh document beside the first. */
export const SECOND_TEXT_NAME = 'code-2'
