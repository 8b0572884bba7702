/**
 * The web UI's sign-in (issue 8): shown by `main.tsx` when the gateway answers 401. While no account exists it
 * is the first-run setup instead, which needs the one-time code the server printed. Both set the HttpOnly
 * session cookie, then reload into the app. The desktop app never shows it.
 */
import { useState, type SubmitEvent } from 'react';
import { isApiError, PASSWORD_MIN } from '../../../common/contract/index.js';
import { TextField } from '../components/TextField.js';

export interface SignInPageProps {
  setupRequired: boolean;
  /** Posts JSON to an auth route; resolves with the status and the body. */
  post: (route: string, body: unknown) => Promise<{ status: number; body: unknown }>;
  /** Called once signed in (the page reloads). */
  onSignedIn: () => void;
}

export function SignInPage({ setupRequired, post, onSignedIn }: SignInPageProps) {
  const [name, setName] = useState(setupRequired ? 'admin' : '');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [setupCode, setSetupCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (setupRequired && password !== repeat) {
      setError('The two passwords differ.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = setupRequired
        ? await post('/api/auth/setup', { setupCode, name, password })
        : await post('/api/auth/login', { name, password });
      if (answer.status === 200) {
        onSignedIn();
        return;
      }
      setError(isApiError(answer.body) ? answer.body.message : `The server answered HTTP ${answer.status}.`);
    } catch {
      setError('Cannot reach the OmniSight server.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in" data-testid={setupRequired ? 'setup-page' : 'sign-in-page'}>
      <form className="form sign-in__form" noValidate onSubmit={(event) => void submit(event)}>
        <h1>OmniSight</h1>
        {setupRequired ? (
          <p className="small">
            No account exists yet. Create the admin account with the setup code the server printed when it
            started (its console or service log).
          </p>
        ) : null}
        {setupRequired ? (
          <TextField
            label="Setup code"
            testId="setup-code"
            value={setupCode}
            onChange={setSetupCode}
            error={undefined}
            placeholder="XXXX-XXXX-XXXX-XXXX-XXXX"
          />
        ) : null}
        <TextField
          label="User name"
          testId="sign-in-name"
          value={name}
          onChange={setName}
          error={undefined}
          autoComplete="username"
        />
        <TextField
          label="Password"
          testId="sign-in-password"
          value={password}
          onChange={setPassword}
          error={undefined}
          secret
          autoComplete={setupRequired ? 'new-password' : 'current-password'}
          {...(setupRequired ? { hint: `At least ${PASSWORD_MIN} characters.` } : {})}
        />
        {setupRequired ? (
          <TextField
            label="Password again"
            testId="sign-in-repeat"
            value={repeat}
            onChange={setRepeat}
            error={undefined}
            secret
          />
        ) : null}
        {error === null ? null : (
          <p className="form__error" role="alert" data-testid="sign-in-error">
            {error}
          </p>
        )}
        <div className="form__actions">
          <button
            className="button button--primary"
            type="submit"
            disabled={busy}
            data-testid="sign-in-submit"
          >
            {setupRequired ? 'Create admin account' : 'Sign in'}
          </button>
        </div>
      </form>
    </main>
  );
}
