import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { METHOD_ACCESS, type MethodName } from '../../common/contract/index.js';
import { mayCall } from './access.js';
import type { SignedInAccount } from './App.js';
import { makeCamera, makeStorageStatus, renderApp } from './testing.js';

afterEach(cleanup);

const VIEWER: SignedInAccount = { name: 'guard', role: 'viewer', onSignOut: () => undefined };
const ADMIN: SignedInAccount = { name: 'owner', role: 'admin', onSignOut: () => undefined };

describe('mayCall', () => {
  it('follows the gateway table: the desktop app calls everything, admins all but its own, viewers less', () => {
    for (const [method, access] of Object.entries(METHOD_ACCESS) as [MethodName, string][]) {
      expect(mayCall('desktop', method)).toBe(true);
      expect(mayCall('admin', method)).toBe(access !== 'desktop');
      expect(mayCall('viewer', method)).toBe(access === 'public' || access === 'viewer');
    }
    expect(mayCall('admin', 'gateway.settings.set')).toBe(false);
    expect(mayCall('viewer', 'cameras.add')).toBe(false);
    expect(mayCall('viewer', 'ptz.move')).toBe(true);
  });
});

describe('what a viewer is offered', () => {
  const camera = () =>
    makeCamera({ name: 'Front door', rtspUrl: '', subStreamUrl: null, status: 'recording' });

  it('lists cameras without streams, add, edit, detection or remove', async () => {
    const { transport } = renderApp('cameras', { 'cameras.list': () => [camera()] }, VIEWER);
    const row = await screen.findByText('Front door', { selector: '[data-testid="camera-name"]' });
    const tr = row.closest('tr');
    if (tr === null) throw new Error('no row');
    expect(within(tr).queryByRole('button')).toBeNull();
    expect(screen.queryByRole('columnheader', { name: 'Streams' })).toBeNull();
    expect(screen.queryByTestId('camera-credentials')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Add camera' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Add demo camera' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Find cameras' })).toBeNull();
    // Nothing the gateway would refuse a viewer was asked for.
    const asked = transport.calls.map((call) => call.method);
    expect(asked.filter((method) => !mayCall('viewer', method))).toEqual([]);
  });

  it('says when no camera is shared with the account', async () => {
    renderApp('cameras', { 'cameras.list': () => [] }, VIEWER);
    expect((await screen.findByTestId('cameras-empty')).textContent).toMatch(/No cameras are shared/);
  });

  it('meets an admin page typed into the address with a notice, not its calls', async () => {
    const { transport } = renderApp('storage', { 'cameras.list': () => [] }, VIEWER);
    expect((await screen.findByTestId('admin-only')).textContent).toMatch(/needs an admin account/);
    expect(screen.queryByTestId('nav-storage')).toBeNull();
    expect(screen.queryByTestId('nav-users')).toBeNull();
    expect(screen.queryByTestId('nav-system')).toBeNull();
    await waitFor(() => expect(transport.calls.some((call) => call.method === 'cameras.list')).toBe(true));
    expect(transport.calls.filter((call) => !mayCall('viewer', call.method))).toEqual([]);
  });

  it('an admin account keeps every control and the storage banner', async () => {
    renderApp(
      'cameras',
      {
        'cameras.list': () => [makeCamera({ name: 'Front door' })],
        'storage.status': () => makeStorageStatus({ state: 'stopped_full', message: 'disk full' }),
      },
      ADMIN,
    );
    const row = await screen.findByText('Front door', { selector: '[data-testid="camera-name"]' });
    const tr = row.closest('tr');
    if (tr === null) throw new Error('no row');
    expect(within(tr).getByRole('button', { name: 'Edit Front door' })).toBeTruthy();
    expect(within(tr).getByRole('button', { name: 'Remove Front door' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add camera' })).toBeTruthy();
    expect(await screen.findByTestId('storage-banner')).toBeTruthy();
  });
});
