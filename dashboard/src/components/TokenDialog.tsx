import { useEffect, useRef, useState } from 'preact/hooks';

/** Asks once for the API's bearer token; it is kept for this tab only. */
export function TokenDialog({ onToken, wrong }: { onToken: (token: string) => void; wrong: boolean }) {
  const [token, setToken] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <div class="overlay">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="token-title">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (token.trim() !== '') onToken(token.trim());
          }}
        >
          <h2 id="token-title">This Faultline needs its token</h2>
          <p>The admin API was started with a token (--token or FAULTLINE_TOKEN). It is kept in this tab only, until the tab is closed.</p>
          {wrong ? (
            <p class="error" role="alert">
              That token was refused.
            </p>
          ) : null}
          <label>
            <span>Token</span>
            <input
              ref={input}
              type="password"
              autoComplete="current-password"
              value={token}
              onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <div class="form-actions">
            <button type="submit" class="btn btn-primary">
              Unlock
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
