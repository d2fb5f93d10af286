// A table that may scroll sideways on a narrow screen: a labelled region keyboards can
// focus, so its hidden columns are reachable without a mouse.
import { html } from '../html.js';

export function TableWrap({ label, children }) {
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${label}>${children}</div>`;
}
