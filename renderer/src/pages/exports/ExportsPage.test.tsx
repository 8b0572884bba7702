import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ContractError, type Export } from '../../../../common/contract/index.js';
import { makeCamera, renderApp } from '../../testing.js';
import { localInputToUtc, utcToLocalInput, validateExportForm } from './export-form.js';

afterEach(cleanup);

const T = Date.UTC(2026, 3, 1, 10, 0, 0);

function makeExport(overrides: Partial<Export> = {}): Export {
  return {
    id: 'exp-00000000a1',
    cameraId: 'cam-0000000001',
    startTime: T,
    endTime: T + 120_000,
    status: 'queued',
    progress: 0,
    recordedMs: 105_000,
    gaps: [{ start: T + 40_000, end: T + 55_000 }],
    fileName: null,
    fileSize: null,
    error: null,
    createdAt: T + 200_000,
    finishedAt: null,
    ...overrides,
  };
}

describe('export form values', () => {
  it('reads local date-times as UTC and back, and refuses impossible dates', () => {
    const local = utcToLocalInput(T);
    expect(localInputToUtc(local)).toBe(T);
    expect(localInputToUtc('2026-02-30T10:00')).toBeNull();
    expect(localInputToUtc('yesterday')).toBeNull();
    expect(localInputToUtc('2026-04-01T10:00')).toBe(new Date(2026, 3, 1, 10, 0, 0).getTime());
  });

  it('asks for cameras and an ordered range of at most a day', () => {
    expect(validateExportForm({ cameraIds: [], start: '', end: '2026-04-01T10:00' }).errors).toEqual({
      cameraIds: 'Pick at least one camera',
      start: 'Enter a start date and time',
    });
    expect(
      validateExportForm({
        cameraIds: ['cam-0000000001'],
        start: '2026-04-01T10:00',
        end: '2026-04-01T09:00',
      }).errors,
    ).toEqual({ end: 'The end must be after the start' });
    expect(
      validateExportForm({
        cameraIds: ['cam-0000000001'],
        start: '2026-04-01T10:00',
        end: '2026-04-02T10:00:01',
      }).errors,
    ).toEqual({ end: 'An export covers at most 24 hours' });
  });
});

describe('Exports page', () => {
  it('creates an export for the ticked cameras with the range in UTC, and shows progress live', async () => {
    const camera = makeCamera({ id: 'cam-0000000001', name: 'Gate' });
    const other = makeCamera({ name: 'Yard' });
    const created = makeExport();
    const { transport } = renderApp('exports', {
      'cameras.list': () => [camera, other],
      'exports.list': () => [],
      'exports.create': () => [created],
    });
    await screen.findByTestId('exports-empty');
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Gate' }));
    fireEvent.change(screen.getByLabelText('Start'), { target: { value: '2026-04-01T10:00:00' } });
    fireEvent.change(screen.getByLabelText('End'), { target: { value: '2026-04-01T10:02:00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    const row = await screen.findByTestId('export-row');
    expect(transport.callsTo('exports.create')).toEqual([
      {
        cameraIds: [camera.id],
        startTime: new Date(2026, 3, 1, 10, 0, 0).getTime(),
        endTime: new Date(2026, 3, 1, 10, 2, 0).getTime(),
      },
    ]);
    expect(within(row).getByTestId('export-status').textContent).toBe('Queued');
    expect(within(row).getByTestId('export-gaps').textContent).toMatch(/^gap .+ \(15 s\)$/);

    act(() => transport.emit('exports.updated', { ...created, status: 'running', progress: 0.4 }));
    expect(within(row).getByTestId('export-status').textContent).toBe('Exporting');
    expect(within(row).getByTestId<HTMLProgressElement>('export-progress').value).toBe(0.4);
    // A late progress event does not move a finished export back.
    const done = { ...created, status: 'done' as const, progress: 1, fileName: 'x.mp4', fileSize: 2_000_000 };
    act(() => transport.emit('exports.updated', done));
    act(() => transport.emit('exports.updated', { ...created, status: 'running', progress: 0.9 }));
    expect(within(row).getByTestId('export-status').textContent).toBe('Ready');
    expect(within(row).getByTestId('export-download').getAttribute('href')).toBe(
      '/api/exports/exp-00000000a1/download',
    );
  });

  it('shows field errors without calling the engine, and the engine refusal when it refuses', async () => {
    const camera = makeCamera({ name: 'Gate' });
    const { transport } = renderApp('exports', {
      'cameras.list': () => [camera],
      'exports.list': () => [],
      'exports.create': () => {
        throw new ContractError('not_found', `No recordings of ${camera.id} between …`);
      },
    });
    await screen.findByTestId('exports-empty');
    fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    expect((await screen.findByTestId('export-error-cameraIds')).textContent).toBe(
      'Pick at least one camera',
    );
    expect(transport.callsTo('exports.create')).toEqual([]);

    fireEvent.click(screen.getByRole('checkbox', { name: 'Gate' }));
    fireEvent.click(screen.getByRole('button', { name: 'Export' }));
    expect((await screen.findByTestId('export-submit-error')).textContent).toMatch(/No recordings of cam-/);
  });

  it('cancels a running export and deletes a finished one', async () => {
    const camera = makeCamera({ id: 'cam-0000000001', name: 'Gate' });
    const running = makeExport({ status: 'running', progress: 0.2 });
    const finished = makeExport({
      id: 'exp-00000000b2',
      status: 'done',
      progress: 1,
      fileName: 'cam-0000000001_20260401T100000Z_20260401T100200Z.mp4',
      fileSize: 1_500_000,
      createdAt: T,
    });
    const { transport } = renderApp('exports', {
      'cameras.list': () => [camera],
      'exports.list': () => [running, finished],
      'exports.cancel': () => ({ ...running, status: 'cancelled' }),
      'exports.delete': ({ id }) => ({ id }),
    });
    const rows = await screen.findAllByTestId('export-row');
    expect(rows.map((row) => row.getAttribute('data-status'))).toEqual(['running', 'done']);
    fireEvent.click(within(rows[0] as HTMLElement).getByRole('button', { name: /^Cancel Gate/ }));
    await act(() => Promise.resolve());
    expect(transport.callsTo('exports.cancel')).toEqual([{ id: running.id }]);
    expect((await screen.findAllByTestId('export-row'))[0]?.getAttribute('data-status')).toBe('cancelled');

    fireEvent.click(within(rows[1] as HTMLElement).getByRole('button', { name: /^Delete Gate/ }));
    await act(() => Promise.resolve());
    expect(transport.callsTo('exports.delete')).toEqual([{ id: finished.id }]);
    expect(screen.getAllByTestId('export-row')).toHaveLength(1);
    act(() => transport.emit('exports.removed', { id: running.id }));
    expect(screen.queryAllByTestId('export-row')).toHaveLength(0);
  });
});
