/**
 * Accounts (issue 8): who may sign in to the network server (the LAN gateway) and which cameras each viewer
 * sees. The desktop app itself needs no sign-in. Admins only: the gateway refuses `users.*` to viewers.
 */
import { useEffect, useState, type SubmitEvent } from 'react';
import { RemoteError, type Camera, type Role, type User } from '../../../../common/contract/index.js';
import { useCameras, useServices } from '../../app-context.js';
import { TextField } from '../../components/TextField.js';

interface Draft {
  /** Null: a new account. */
  id: string | null;
  name: string;
  password: string;
  role: Role;
  cameraIds: string[];
  allCameras: boolean;
}

const EMPTY: Draft = { id: null, name: '', password: '', role: 'viewer', cameraIds: [], allCameras: false };

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `validation` issues by field (`name`, `password`, `cameraIds`). */
function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof RemoteError) || error.code !== 'validation') return {};
  const issues = (error.details as { issues?: { path: string; message: string }[] } | undefined)?.issues;
  return Object.fromEntries((issues ?? []).map((issue) => [issue.path.split('.')[0] ?? '', issue.message]));
}

function access(user: User, names: Map<string, string>): string {
  if (user.role === 'admin' || user.cameraIds === null) return 'All cameras';
  if (user.cameraIds.length === 0) return 'No cameras';
  return user.cameraIds.map((id) => names.get(id) ?? id).join(', ');
}

function UserForm({
  draft,
  cameras,
  onDone,
  onCancel,
}: {
  draft: Draft;
  cameras: Camera[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const { transport } = useServices();
  const [values, setValues] = useState(draft);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const editing = values.id !== null;

  async function submit(event: SubmitEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setFormError(null);
    const cameraIds = values.role === 'admin' ? null : values.allCameras ? null : values.cameraIds;
    try {
      if (values.id === null) {
        await transport.invoke('users.add', {
          name: values.name,
          password: values.password,
          role: values.role,
          cameraIds,
        });
      } else {
        await transport.invoke('users.update', {
          id: values.id,
          name: values.name,
          role: values.role,
          ...(values.role === 'admin' ? {} : { cameraIds }),
          ...(values.password === '' ? {} : { password: values.password }),
        });
      }
      onDone();
    } catch (error) {
      const byField = fieldErrors(error);
      setErrors(byField);
      if (Object.keys(byField).length === 0) setFormError(message(error));
    } finally {
      setBusy(false);
    }
  }

  const toggle = (id: string, on: boolean): void =>
    setValues((current) => ({
      ...current,
      cameraIds: on ? [...current.cameraIds, id] : current.cameraIds.filter((other) => other !== id),
    }));

  return (
    <form
      className="form users__form"
      noValidate
      onSubmit={(event) => void submit(event)}
      data-testid="user-form"
    >
      <h2>{editing ? `Edit ${draft.name}` : 'Add account'}</h2>
      <div className="form__row">
        <TextField
          label="Name"
          testId="user-name"
          value={values.name}
          onChange={(name) => setValues({ ...values, name })}
          error={errors.name}
        />
        <TextField
          label={editing ? 'New password' : 'Password'}
          testId="user-password"
          value={values.password}
          onChange={(password) => setValues({ ...values, password })}
          error={errors.password}
          secret
          hint={
            editing
              ? 'Leave empty to keep it; a new one signs the account out everywhere'
              : 'At least 8 characters'
          }
        />
      </div>
      <div className="field">
        <label htmlFor="user-role">Role</label>
        <select
          id="user-role"
          data-testid="user-role"
          value={values.role}
          onChange={(event) =>
            setValues({ ...values, role: event.target.value === 'admin' ? 'admin' : 'viewer' })
          }
        >
          <option value="viewer">Viewer: watches and plays back its cameras</option>
          <option value="admin">Admin: everything, including settings and accounts</option>
        </select>
      </div>
      {values.role === 'viewer' ? (
        <fieldset className="users__cameras" data-testid="user-cameras">
          <legend>Cameras this viewer sees</legend>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={values.allCameras}
              onChange={(event) => setValues({ ...values, allCameras: event.target.checked })}
            />
            All cameras, also those added later
          </label>
          {values.allCameras
            ? null
            : cameras.map((camera) => (
                <label className="checkbox" key={camera.id}>
                  <input
                    type="checkbox"
                    checked={values.cameraIds.includes(camera.id)}
                    onChange={(event) => toggle(camera.id, event.target.checked)}
                  />
                  {camera.name}
                </label>
              ))}
          {errors.cameraIds === undefined ? null : (
            <p className="field__error" role="alert">
              {errors.cameraIds}
            </p>
          )}
        </fieldset>
      ) : null}
      {formError === null ? null : (
        <p className="form__error" role="alert" data-testid="user-form-error">
          {formError}
        </p>
      )}
      <div className="form__actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={busy} data-testid="user-save">
          {editing ? 'Save' : 'Add account'}
        </button>
      </div>
    </form>
  );
}

export function UsersPage() {
  const { transport } = useServices();
  const cameras = useCameras((state) => state.cameras);
  const [users, setUsers] = useState<User[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);

  // Bumped after every change: the list is read again.
  const [version, setVersion] = useState(0);
  const reload = (): void => setVersion((current) => current + 1);

  useEffect(() => {
    let live = true;
    transport.invoke('users.list', {}).then(
      (list) => {
        if (!live) return;
        setUsers(list);
        setLoadError(null);
      },
      (error: unknown) => {
        if (live) setLoadError(message(error));
      },
    );
    return () => {
      live = false;
    };
  }, [transport, version]);

  const names = new Map(cameras.map((camera) => [camera.id, camera.name]));

  async function remove(user: User): Promise<void> {
    if (!window.confirm(`Remove the account ${user.name}? It is signed out everywhere.`)) return;
    setActionError(null);
    try {
      await transport.invoke('users.remove', { id: user.id });
      reload();
    } catch (error) {
      setActionError(message(error));
    }
  }

  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page__header">
        <h1 id="page-title">Accounts</h1>
        <div className="page__actions">
          <button
            type="button"
            className="button button--primary"
            data-testid="user-add"
            onClick={() => setDraft({ ...EMPTY })}
          >
            Add account
          </button>
        </div>
      </header>
      <p className="muted">
        Accounts sign in to the network server (the web UI, phones, Home Assistant). Viewers see only the
        cameras listed for them and change nothing. The desktop app needs no account.
      </p>
      {loadError === null ? null : (
        <div className="notice notice--error" role="alert">
          <p>Accounts could not be loaded: {loadError}</p>
        </div>
      )}
      {actionError === null ? null : (
        <div className="notice notice--error" role="alert" data-testid="user-action-error">
          <p>{actionError}</p>
        </div>
      )}
      {draft === null ? null : (
        <UserForm
          key={draft.id ?? 'new'}
          draft={draft}
          cameras={cameras}
          onCancel={() => setDraft(null)}
          onDone={() => {
            setDraft(null);
            reload();
          }}
        />
      )}
      {users !== null && users.length === 0 ? (
        <p className="empty muted" data-testid="users-empty">
          No accounts yet: add an admin account to use the network server.
        </p>
      ) : null}
      {users !== null && users.length > 0 ? (
        <div className="table-wrap">
          <table className="table" data-testid="user-list">
            <thead>
              <tr>
                <th>Name</th>
                <th>Role</th>
                <th>Cameras</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {users.map((user) => (
                <tr key={user.id} data-testid="user-row">
                  <td data-testid="user-row-name">{user.name}</td>
                  <td>{user.role === 'admin' ? 'Admin' : 'Viewer'}</td>
                  <td data-testid="user-row-cameras">{access(user, names)}</td>
                  <td className="actions">
                    <button
                      type="button"
                      className="button button--small"
                      aria-label={`Edit ${user.name}`}
                      onClick={() =>
                        setDraft({
                          id: user.id,
                          name: user.name,
                          password: '',
                          role: user.role,
                          cameraIds: user.cameraIds ?? [],
                          allCameras: user.role === 'viewer' && user.cameraIds === null,
                        })
                      }
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      className="button button--small button--danger-quiet"
                      aria-label={`Remove ${user.name}`}
                      onClick={() => void remove(user)}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
