import { useEffect, useRef } from 'preact/hooks';

/** The keys, one per common fault. */
export const SHORTCUTS: ReadonlyArray<readonly [string, string]> = [
  ['j / ↓', 'select the next proxy'],
  ['k / ↑', 'select the previous proxy'],
  ['Enter', 'open the selected proxy'],
  ['d', 'disable or enable it'],
  ['p', 'partition it (both directions) or heal it'],
  ['1 2 3', `add latency: 100 ms, 500 ms, 2 s`],
  ['0', 'remove that latency'],
  ['x', 'remove every toxic from it'],
  ['g p / g s / g e', 'go to proxies, scenarios, events'],
  ['Esc', 'back to the list, close this'],
  ['?', 'show these keys'],
];

/** The keyboard shortcuts. */
export function Help({ onClose }: { onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => close.current?.focus(), []);
  return (
    // A click on the backdrop is a mouse shortcut: Escape closes the dialog from the keyboard (App).
    // biome-ignore lint/a11y/noStaticElementInteractions: see above.
    // biome-ignore lint/a11y/useKeyWithClickEvents: see above.
    <div class="overlay" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title">
        <h2 id="help-title">Keyboard</h2>
        <p>Keys act on the selected proxy (the highlighted row) when no field has focus.</p>
        <dl class="keys">
          {SHORTCUTS.map(([key, what]) => (
            <div key={key}>
              <dt>
                <kbd>{key}</kbd>
              </dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
        <div class="form-actions">
          <button ref={close} type="button" class="btn" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
