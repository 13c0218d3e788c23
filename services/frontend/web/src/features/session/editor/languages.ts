// Syntax highlighting per session language, each parser loaded on demand.
import type { LanguageSupport } from '@codemirror/language'

export async function loadLanguage(lang: string): Promise<LanguageSupport | null> {
  switch (lang) {
    case 'python':
      return (await import('@codemirror/lang-python')).python()
    case 'javascript':
      return (await import('@codemirror/lang-javascript')).javascript()
    case 'java':
      return (await import('@codemirror/lang-java')).java()
    case 'cpp':
      return (await import('@codemirror/lang-cpp')).cpp()
    case 'go':
      return (await import('@codemirror/lang-go')).go()
    default:
      return null
  }
}
