import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ContractError, type Camera, type CameraAddInput } from '../../../../common/contract/index.js';
import { makeCamera, renderApp } from '../../testing.js';

afterEach(cleanup);

const XSS_NAME = '<img src=x onerror=alert(1)>';

function dialog(): HTMLElement {
  return screen.getByRole('dialog');
}

function rowOf(name: string): HTMLElement {
  const row = screen.getByText(name, { selector: '[data-testid="camera-name"]' }).closest('tr');
  if (row === null) throw new Error(`no row for ${name}`);
  return row;
}

function fill(label: string, value: string): void {
  fireEvent.change(within(dialog()).getByLabelText(label), { target: { value } });
}

function submit(): void {
  fireEvent.click(within(dialog()).getByRole('button', { name: /^(Add camera|Save changes)$/ }));
}

/** Handlers that behave like a tiny engine: they keep a list and answer with what they stored. */
function cameraHandlers(initial: Camera[] = []) {
  const stored = [...initial];
  return {
    stored,
    handlers: {
      'cameras.list': () => [...stored],
      'cameras.add': (input: { name: string; rtspUrl: string; enabled?: boolean | undefined }) => {
        const camera = makeCamera({
          name: input.name,
          rtspUrl: input.rtspUrl,
          enabled: input.enabled ?? true,
        });
        stored.push(camera);
        return camera;
      },
    },
  };
}

describe('Cameras page', () => {
  it('lists every camera with its streams, credentials, state and status', async () => {
    const front = makeCamera({
      name: 'Front door',
      rtspUrl: 'rtsp://192.0.2.10:554/main',
      subStreamUrl: 'rtsp://192.0.2.10:554/sub',
      username: 'viewer',
      hasPassword: true,
      status: 'reconnecting',
      statusReason: 'connection refused',
    });
    const yard = makeCamera({ name: 'Yard', enabled: false, status: 'disabled' });
    renderApp('cameras', { 'cameras.list': () => [yard, front] });

    await screen.findByText('Front door');
    const rows = screen.getAllByTestId('camera-row');
    // Oldest first, whatever order the list arrived in.
    expect(rows.map((row) => within(row).getByTestId('camera-name').textContent)).toEqual([
      'Front door',
      'Yard',
    ]);

    const frontRow = within(rowOf('Front door'));
    expect(frontRow.getByText('rtsp://192.0.2.10:554/main')).toBeTruthy();
    expect(frontRow.getByText('rtsp://192.0.2.10:554/sub')).toBeTruthy();
    expect(frontRow.getByText('viewer')).toBeTruthy();
    expect(frontRow.getByText('password set')).toBeTruthy();
    expect(frontRow.getByText('Reconnecting')).toBeTruthy();
    expect(frontRow.getByTestId('status-reason').textContent).toBe('connection refused');

    const yardRow = within(rowOf('Yard'));
    expect(yardRow.getByText('no username')).toBeTruthy();
    expect(yardRow.getByText('Disabled')).toBeTruthy();
    expect(yardRow.queryByText('password set')).toBeNull();
  });

  it('shows a status this build does not know, from a newer engine, humanised', async () => {
    const camera = makeCamera({
      name: 'Future',
      status: 'warming_up' as Camera['status'],
      statusReason: null,
    });
    renderApp('cameras', { 'cameras.list': () => [camera] });
    expect((await screen.findByTestId('camera-status')).textContent).toBe('Warming up');
  });

  it('shows an empty state, and a load error with a way to retry', async () => {
    let fail = true;
    renderApp('cameras', {
      'cameras.list': () => {
        if (fail) throw new ContractError('unavailable', 'The engine is starting.');
        return [];
      },
    });
    expect((await screen.findByRole('alert')).textContent).toContain('The engine is starting.');
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    const empty = await screen.findByTestId('cameras-empty');
    expect(within(empty).getByText(/^No cameras yet/).textContent).toBe(
      'No cameras yet — add one, or add a demo camera to see OmniSight work.',
    );
  });

  it('adds a camera and shows it in the list', async () => {
    const { handlers } = cameraHandlers();
    const { transport } = renderApp('cameras', handlers);
    await screen.findByTestId('cameras-empty');

    fireEvent.click(screen.getByRole('button', { name: 'Add camera' }));
    fill('Name', 'Garage');
    fill('RTSP URL', 'rtsp://192.0.2.50/live');
    fill('Username', 'admin');
    fill('Password', 'secret');
    submit();

    await screen.findByText('Garage', { selector: '[data-testid="camera-name"]' });
    // The list may show the camera (pushed event) a tick before the dialog closes (the call resolves).
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(transport.callsTo('cameras.add')).toEqual([
      {
        name: 'Garage',
        rtspUrl: 'rtsp://192.0.2.50/live',
        enabled: true,
        username: 'admin',
        password: 'secret',
      },
    ]);
  });

  it('shows an inline message for a bad URL and sends nothing', async () => {
    const { handlers } = cameraHandlers();
    const { transport } = renderApp('cameras', handlers);
    await screen.findByTestId('cameras-empty');

    fireEvent.click(screen.getByRole('button', { name: 'Add camera' }));
    fill('Name', 'Porch');
    fill('RTSP URL', 'http://192.0.2.7/video');
    fill('Sub-stream URL', 'rtsp://');
    submit();

    expect(screen.getByTestId('field-error-rtspUrl').textContent).toBe(
      'RTSP URL must start with rtsp://, rtsps:// or demo: (got http:)',
    );
    expect(screen.getByTestId('field-error-subStreamUrl').textContent).toMatch(/^Sub-stream URL /);
    expect(screen.queryByTestId('field-error-name')).toBeNull();
    expect(within(dialog()).getByLabelText('RTSP URL').getAttribute('aria-invalid')).toBe('true');
    expect(transport.callsTo('cameras.add')).toEqual([]);

    // Correcting the field clears its message.
    fill('RTSP URL', 'rtsp://192.0.2.7/video');
    expect(screen.queryByTestId('field-error-rtspUrl')).toBeNull();
  });

  it('checks the name too: empty, or too long', async () => {
    const { handlers } = cameraHandlers();
    const { transport } = renderApp('cameras', handlers);
    await screen.findByTestId('cameras-empty');
    fireEvent.click(screen.getByRole('button', { name: 'Add camera' }));

    fill('Name', '   ');
    fill('RTSP URL', 'rtsp://192.0.2.7/video');
    submit();
    expect(screen.getByTestId('field-error-name').textContent).toBe('Name must not be empty');

    fill('Name', 'x'.repeat(65));
    submit();
    expect(screen.getByTestId('field-error-name').textContent).toBe('Name must be at most 64 characters');
    expect(transport.callsTo('cameras.add')).toEqual([]);
  });

  it('puts the server’s validation issues next to their fields', async () => {
    const { transport } = renderApp('cameras', {
      'cameras.list': () => [],
      'cameras.add': () => {
        throw new ContractError('validation', 'Invalid argument for cameras.add: name: is reserved', {
          issues: [
            { path: 'name', message: 'is reserved' },
            { path: 'patch.username', message: 'is not allowed for demo sources' },
          ],
        });
      },
    });
    await screen.findByTestId('cameras-empty');
    fireEvent.click(screen.getByRole('button', { name: 'Add camera' }));
    fill('Name', 'system');
    fill('RTSP URL', 'demo:lobby');
    fill('Username', 'admin');
    submit();

    expect((await screen.findByTestId('field-error-name')).textContent).toBe('Name is reserved');
    expect(screen.getByTestId('field-error-username').textContent).toBe(
      'Username is not allowed for demo sources',
    );
    expect(screen.getByRole('dialog')).toBeTruthy();
    expect(transport.callsTo('cameras.add')).toHaveLength(1);
  });

  it('shows a duplicate-URL conflict next to the URL field', async () => {
    renderApp('cameras', {
      'cameras.list': () => [],
      'cameras.add': () => {
        throw new ContractError('conflict', 'Another camera already uses this stream URL.', {
          field: 'rtspUrl',
        });
      },
    });
    await screen.findByTestId('cameras-empty');
    fireEvent.click(screen.getByRole('button', { name: 'Add camera' }));
    fill('Name', 'Twin');
    fill('RTSP URL', 'rtsp://192.0.2.1/stream1');
    submit();

    expect((await screen.findByTestId('field-error-rtspUrl')).textContent).toBe(
      'Another camera already uses this stream URL.',
    );
  });

  it('shows other failures above the buttons', async () => {
    renderApp('cameras', {
      'cameras.list': () => [],
      'cameras.add': () => {
        throw new Error('disk on fire');
      },
    });
    await screen.findByTestId('cameras-empty');
    fireEvent.click(screen.getByRole('button', { name: 'Add camera' }));
    fill('Name', 'Shed');
    fill('RTSP URL', 'rtsp://192.0.2.9/stream1');
    submit();
    // Like the real transports, the fake passes only plain error data: no internal message leaks.
    expect((await screen.findByTestId('form-error')).textContent).toBe(
      'Internal error; see the OmniSight log for details.',
    );
  });

  it('edits a camera, sending only what changed, and can clear the password', async () => {
    const camera = makeCamera({ name: 'Lobby', username: 'admin', hasPassword: true });
    const { transport } = renderApp('cameras', {
      'cameras.list': () => [camera],
      'cameras.update': (input) => ({
        ...camera,
        name: input.name ?? camera.name,
        hasPassword: input.password === null ? false : camera.hasPassword,
        updatedAt: camera.updatedAt + 1,
      }),
    });
    await screen.findByText('Lobby');
    fireEvent.click(screen.getByRole('button', { name: 'Edit Lobby' }));

    expect(within(dialog()).getByLabelText<HTMLInputElement>('Name').value).toBe('Lobby');
    expect(within(dialog()).getByLabelText<HTMLInputElement>('Username').value).toBe('admin');
    expect(within(dialog()).getByLabelText<HTMLInputElement>('Password').value).toBe('');
    expect(within(dialog()).getByText('Leave empty to keep the current password')).toBeTruthy();

    fill('Name', 'Lobby east');
    fireEvent.click(within(dialog()).getByLabelText('Clear password'));
    submit();

    await screen.findByText('Lobby east');
    expect(transport.callsTo('cameras.update')).toEqual([
      { id: camera.id, name: 'Lobby east', password: null },
    ]);
    expect(within(rowOf('Lobby east')).queryByText('password set')).toBeNull();
  });

  it('edits keep the password when the field is left empty, and clear emptied optional fields', async () => {
    const camera = makeCamera({
      name: 'Dock',
      subStreamUrl: 'rtsp://192.0.2.3/sub',
      username: 'admin',
      hasPassword: true,
    });
    const { transport } = renderApp('cameras', {
      'cameras.list': () => [camera],
      'cameras.update': () => camera,
    });
    await screen.findByText('Dock');
    fireEvent.click(screen.getByRole('button', { name: 'Edit Dock' }));
    fill('Sub-stream URL', '');
    fill('Username', '');
    fireEvent.click(within(dialog()).getByLabelText(/^Enabled/));
    submit();

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(transport.callsTo('cameras.update')).toEqual([
      { id: camera.id, subStreamUrl: null, username: null, enabled: false },
    ]);
  });

  it('checks the segment length inline with the contract’s messages and sends it with the transport', async () => {
    const { handlers } = cameraHandlers();
    const { transport } = renderApp('cameras', handlers);
    await screen.findByTestId('cameras-empty');
    fireEvent.click(screen.getByRole('button', { name: 'Add camera' }));
    expect(within(dialog()).getByLabelText<HTMLInputElement>('Segment length').value).toBe('60');
    expect(within(dialog()).getByLabelText<HTMLSelectElement>('RTSP transport').value).toBe('tcp');
    fill('Name', 'Loading bay');
    fill('RTSP URL', 'rtsp://192.0.2.60/live');

    const cases: [string, string][] = [
      ['1', 'Segment length must be at least 2 seconds'],
      ['901', 'Segment length must be at most 900 seconds (15 minutes)'],
      ['12.5', 'Segment length must be a whole number of seconds'],
      ['ten', 'Segment length must be a number of seconds'],
      ['', 'Segment length must be a number of seconds'],
    ];
    for (const [typed, message] of cases) {
      fill('Segment length', typed);
      submit();
      expect(screen.getByTestId('field-error-segmentSeconds').textContent).toBe(message);
      expect(within(dialog()).getByLabelText('Segment length').getAttribute('aria-invalid')).toBe('true');
    }
    expect(transport.callsTo('cameras.add')).toEqual([]);

    fill('Segment length', ' 10 ');
    expect(screen.queryByTestId('field-error-segmentSeconds')).toBeNull();
    fireEvent.change(within(dialog()).getByLabelText('RTSP transport'), { target: { value: 'udp' } });
    submit();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(transport.callsTo('cameras.add')).toEqual([
      {
        name: 'Loading bay',
        rtspUrl: 'rtsp://192.0.2.60/live',
        enabled: true,
        segmentSeconds: 10,
        rtspTransport: 'udp',
      },
    ]);
  });

  it('sends segment length and transport on edit only when they changed', async () => {
    const camera = makeCamera({ name: 'Quay', segmentSeconds: 30, rtspTransport: 'udp' });
    let current = camera;
    const { transport } = renderApp('cameras', {
      'cameras.list': () => [current],
      'cameras.update': (input) => {
        current = {
          ...current,
          name: input.name ?? current.name,
          segmentSeconds: input.segmentSeconds ?? current.segmentSeconds,
          rtspTransport: input.rtspTransport ?? current.rtspTransport,
          updatedAt: current.updatedAt + 1,
        };
        return current;
      },
    });
    await screen.findByText('Quay');
    fireEvent.click(screen.getByRole('button', { name: 'Edit Quay' }));
    expect(within(dialog()).getByLabelText<HTMLInputElement>('Segment length').value).toBe('30');
    expect(within(dialog()).getByLabelText<HTMLSelectElement>('RTSP transport').value).toBe('udp');
    fill('Name', 'Quay north');
    submit();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    fireEvent.click(screen.getByRole('button', { name: 'Edit Quay north' }));
    fill('Segment length', '120');
    fireEvent.change(within(dialog()).getByLabelText('RTSP transport'), { target: { value: 'tcp' } });
    submit();
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    fireEvent.click(screen.getByRole('button', { name: 'Edit Quay north' }));
    fill('Segment length', '0');
    submit();
    expect(screen.getByTestId('field-error-segmentSeconds').textContent).toBe(
      'Segment length must be at least 2 seconds',
    );

    expect(transport.callsTo('cameras.update')).toEqual([
      { id: camera.id, name: 'Quay north' },
      { id: camera.id, segmentSeconds: 120, rtspTransport: 'tcp' },
    ]);
  });

  it('places a server issue about the segment length beside its field', async () => {
    renderApp('cameras', {
      'cameras.list': () => [],
      'cameras.add': () => {
        throw new ContractError('validation', 'Invalid argument', {
          issues: [{ path: 'segmentSeconds', message: 'is longer than this disk allows' }],
        });
      },
    });
    await screen.findByTestId('cameras-empty');
    fireEvent.click(screen.getByRole('button', { name: 'Add camera' }));
    fill('Name', 'Roof');
    fill('RTSP URL', 'demo:roof');
    fill('Segment length', '900');
    submit();
    expect((await screen.findByTestId('field-error-segmentSeconds')).textContent).toBe(
      'Segment length is longer than this disk allows',
    );
  });

  it('follows pushed camera events without a reload', async () => {
    const first = makeCamera({ name: 'Existing' });
    const { transport } = renderApp('cameras', { 'cameras.list': () => [first] });
    await screen.findByText('Existing');

    const added = makeCamera({ name: 'Added elsewhere' });
    act(() => transport.emit('cameras.added', added));
    expect(screen.getByText('Added elsewhere')).toBeTruthy();

    act(() =>
      transport.emit('cameras.statusChanged', {
        id: added.id,
        status: 'recording',
        reason: null,
        nextAttemptAt: null,
      }),
    );
    expect(within(rowOf('Added elsewhere')).getByText('Recording')).toBeTruthy();

    act(() =>
      transport.emit('cameras.updated', {
        ...first,
        name: 'Renamed elsewhere',
        updatedAt: first.updatedAt + 5,
      }),
    );
    expect(screen.getByText('Renamed elsewhere')).toBeTruthy();
    expect(screen.queryByText('Existing')).toBeNull();

    act(() => transport.emit('cameras.removed', { id: added.id }));
    expect(screen.queryByText('Added elsewhere')).toBeNull();
    expect(screen.getAllByTestId('camera-row')).toHaveLength(1);
  });

  it('asks before removing, offers only to keep recordings, and sends recordings: keep', async () => {
    const camera = makeCamera({ name: 'Back gate' });
    const { transport } = renderApp('cameras', {
      'cameras.list': () => [camera],
      'cameras.remove': ({ id }) => ({ id, recordings: 'keep' as const }),
    });
    await screen.findByText('Back gate');

    fireEvent.click(screen.getByRole('button', { name: 'Remove Back gate' }));
    const confirm = within(dialog());
    expect(confirm.getByText('Back gate')).toBeTruthy();
    const keep = confirm.getByRole<HTMLInputElement>('radio', { name: /Keep recordings/ });
    const remove = confirm.getByRole<HTMLInputElement>('radio', { name: /Delete recordings/ });
    expect(keep.checked).toBe(true);
    expect(keep.disabled).toBe(false);
    expect(remove.disabled).toBe(true);
    expect(confirm.getByText('arrives with the storage issue')).toBeTruthy();

    // Cancelling sends nothing.
    fireEvent.click(confirm.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(transport.callsTo('cameras.remove')).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: 'Remove Back gate' }));
    fireEvent.click(within(dialog()).getByRole('button', { name: 'Remove camera' }));
    await waitFor(() => expect(screen.queryByText('Back gate')).toBeNull());
    expect(transport.callsTo('cameras.remove')).toEqual([{ id: camera.id, recordings: 'keep' }]);
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('renders a name that looks like HTML as text, everywhere it shows', async () => {
    const camera = makeCamera({ name: XSS_NAME, statusReason: '<b>bold</b>', status: 'error' });
    const { container } = renderApp('cameras', { 'cameras.list': () => [camera] });

    expect((await screen.findByTestId('camera-name')).textContent).toBe(XSS_NAME);
    expect(screen.getByText('<b>bold</b>')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: `Remove ${XSS_NAME}` }));
    expect(within(dialog()).getByText(XSS_NAME)).toBeTruthy();
    expect(container.ownerDocument.querySelector('img')).toBeNull();
    expect(container.ownerDocument.querySelector('b')).toBeNull();
  });

  it('sends an HTML-looking name exactly as typed', async () => {
    const { handlers } = cameraHandlers();
    const { transport } = renderApp('cameras', handlers);
    await screen.findByTestId('cameras-empty');
    fireEvent.click(screen.getByRole('button', { name: 'Add camera' }));
    fill('Name', XSS_NAME);
    fill('RTSP URL', 'demo:xss');
    submit();

    expect((await screen.findByTestId('camera-name')).textContent).toBe(XSS_NAME);
    expect(transport.callsTo('cameras.add').map((input: CameraAddInput) => input.name)).toEqual([XSS_NAME]);
    expect(document.querySelector('img')).toBeNull();
  });
});
