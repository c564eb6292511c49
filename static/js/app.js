// Starts GOV.UK Frontend. Loaded as a module from our own origin: no inline script,
// so the Content-Security-Policy can forbid inline script altogether.
import { initAll } from '/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
