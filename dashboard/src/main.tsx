/**
 * The dashboard's entry: one store fed by the API, drawn into #app at most once per animation
 * frame. Every drawing is measured (User Timing `faultline:render`), and the first drawing with the
 * proxy list is marked `faultline:first-render`, so its cost can be read in the browser's tools.
 */
import { render } from 'preact';
import { App } from './components/App';
import { Store } from './store';

const root = document.getElementById('app');
if (!root) throw new Error('no #app element');
root.textContent = '';

let firstRendered = false;
const store: Store = new Store(() => {
  const start = performance.now();
  render(<App store={store} />, root);
  const end = performance.now();
  performance.measure('faultline:render', { start, end });
  if (!firstRendered && store.state.loaded) {
    firstRendered = true;
    performance.mark('faultline:first-render');
  }
  // Keep the measurements of the last few minutes only.
  if (performance.getEntriesByName('faultline:render').length > 2000) performance.clearMeasures('faultline:render');
});
store.changed();
void store.start().catch(() => {
  // A 401 asks for the token; anything else is retried by the stream.
});
