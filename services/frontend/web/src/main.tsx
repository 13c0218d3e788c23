import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { api } from './api/client'
import { App } from './app/App'
import { applyStoredTheme } from './app/theme'
import './styles.css'

applyStoredTheme()

// Restore the session from the HttpOnly refresh cookie before anything asks for data.
void api.restore()

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
