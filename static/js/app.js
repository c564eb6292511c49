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
