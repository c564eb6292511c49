// Starts GOV.UK Frontend. Loaded as a module from our own origin: no inline script,
// so the Content-Security-Policy can forbid inline script altogether.
import { initAll } from '/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()

// A radio that reveals a question (a GOV.UK conditional reveal) keeps aria-controls, but
// not the aria-expanded GOV.UK Frontend sets on it: ARIA does not allow aria-expanded on a
// radio, and axe reports it (govuk-frontend issue #979, a known issue there). The revealed
// question follows its radio, so it is the next thing a screen reader reaches.
const dropRadioExpanded = () => {
  for (const radio of document.querySelectorAll('input[type="radio"][aria-expanded]')) {
    radio.removeAttribute('aria-expanded')
  }
}
dropRadioExpanded()
new MutationObserver(dropRadioExpanded).observe(document.body, {
  subtree: true, attributes: true, attributeFilter: ['aria-expanded']
})

// WCAG 2.2 reflow: at 320 CSS pixels a wide table scrolls inside its own region, never the
// page. Each table not already in one is put in a focusable region named by its caption
// (the lists' templates make theirs on the server).
for (const table of document.querySelectorAll('main table.govuk-table')) {
  if (table.closest('.app-table-scroll')) continue
  const region = document.createElement('div')
  region.className = 'app-table-scroll'
  region.setAttribute('role', 'region')
  region.setAttribute('tabindex', '0')
  const caption = table.querySelector('caption')
  region.setAttribute('aria-label', (caption && caption.textContent.trim()) || 'Table')
  table.parentNode.insertBefore(region, table)
  region.appendChild(table)
}
