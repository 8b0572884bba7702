/**
 * The engine's PTZ service behind `ptz.*`: commands go to the ONVIF device a camera was added from (its
 * `onvif` link, chosen by the user in the wizard), signed with the camera's own user name and password. A
 * signed-in session is kept per camera so a held control costs one request per repeat, not a sign-in; commands
 * of one camera run in order, so a "stop" never overtakes the move it ends. Nothing here logs credentials.
 */
import {
  CONTROL_CHARACTERS,
  ContractError,
  PTZ_MOVE_MS_DEFAULT,
  type MethodInput,
  type MethodResult,
} from '../../../common/contract/index.js';
import type { CameraRow } from '../cameras/camera-service.js';
import type { EventBus } from '../events/event-bus.js';
import type { Clock, Logger } from '../ports.js';
import { createOnvifDevice } from './device.js';
import { OnvifError, describeEndpoint } from './errors.js';
import { createPtzClient, type PtzClient } from './ptz.js';

/** A session is signed in again after this long (the device's clock may drift; its password may change). */
const SESSION_MS = 10 * 60_000;
/** Texts from the device are capped before they reach a page. */
const TEXT_MAX = 64;

export interface PtzServiceOptions {
  /** Full rows (credentials included) of live cameras. */
  cameras: { row(id: string): CameraRow | undefined };
  events: EventBus;
  clock: Clock;
  logger: Logger;
  /** Time limit of each SOAP exchange (default 10 s, the device client's). */
  timeoutMs?: number;
  /** Makes the device client (tests). */
  createDevice?: typeof createOnvifDevice;
}

export interface PtzService {
  info(input: MethodInput<'ptz.info'>): Promise<MethodResult<'ptz.info'>>;
  move(input: MethodInput<'ptz.move'>): Promise<MethodResult<'ptz.move'>>;
  stop(input: MethodInput<'ptz.stop'>): Promise<MethodResult<'ptz.stop'>>;
  gotoPreset(input: MethodInput<'ptz.gotoPreset'>): Promise<MethodResult<'ptz.gotoPreset'>>;
  setPreset(input: MethodInput<'ptz.setPreset'>): Promise<MethodResult<'ptz.setPreset'>>;
}

interface Session {
  /** What the session was made from; a change in the camera's row makes a new one. */
  readonly key: string;
  readonly client: PtzClient;
  readonly startedAt: number;
}

const NOT_LINKED =
  'This camera was added by its stream URL, so OmniSight does not know its ONVIF address. To use PTZ, remove it ' +
  '(keeping its recordings) and add it again with Find cameras.';

const CONTROL_RUNS = new RegExp(CONTROL_CHARACTERS.source, 'gu');

function clean(value: string): string {
  return value.replace(CONTROL_RUNS, ' ').trim().slice(0, TEXT_MAX);
}

export function createPtzService(options: PtzServiceOptions): PtzService {
  const logger = options.logger.child({ component: 'ptz' });
  const makeDevice = options.createDevice ?? createOnvifDevice;
  const sessions = new Map<string, Promise<Session>>();
  const queues = new Map<string, Promise<unknown>>();

  for (const event of ['cameras.updated', 'cameras.removed'] as const) {
    options.events.on(event, ({ id }) => sessions.delete(id));
  }

  function linkedRow(id: string): CameraRow & { onvifXaddr: string; onvifProfileToken: string } {
    const row = options.cameras.row(id);
    if (row === undefined) throw new ContractError('not_found', `No camera with id ${id}`, { id });
    if (row.onvifXaddr === null || row.onvifProfileToken === null) {
      throw new ContractError('unsupported', NOT_LINKED);
    }
    return row as CameraRow & { onvifXaddr: string; onvifProfileToken: string };
  }

  async function openSession(row: ReturnType<typeof linkedRow>, key: string): Promise<Session> {
    const username = row.username ?? '';
    const password = row.password ?? '';
    const device = makeDevice({
      xaddr: row.onvifXaddr,
      ...(username === '' && password === '' ? {} : { credentials: { username, password } }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    await device.connect();
    return { key, client: createPtzClient(device, row.onvifProfileToken), startedAt: options.clock.now() };
  }

  async function session(id: string): Promise<Session> {
    const row = linkedRow(id);
    // In memory only, never logged: a changed password or address must not reuse the old sign-in.
    const key = JSON.stringify([row.onvifXaddr, row.onvifProfileToken, row.username, row.password]);
    const existing = sessions.get(id);
    if (existing !== undefined) {
      const current = await existing.catch(() => undefined);
      if (
        current !== undefined &&
        current.key === key &&
        options.clock.now() - current.startedAt < SESSION_MS
      ) {
        return current;
      }
      if (sessions.get(id) === existing) sessions.delete(id);
    }
    const opened = openSession(row, key);
    sessions.set(id, opened);
    opened.catch(() => {
      if (sessions.get(id) === opened) sessions.delete(id);
    });
    return opened;
  }

  /** Runs one command of a camera after the ones before it; device failures become clear API errors. */
  function run<T>(id: string, action: string, work: (client: PtzClient) => Promise<T>): Promise<T> {
    const previous = queues.get(id) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        try {
          return await work((await session(id)).client);
        } catch (error) {
          if (!(error instanceof OnvifError)) throw error;
          // The next command signs in again: the failure may have been the session's.
          sessions.delete(id);
          const row = options.cameras.row(id);
          const where = row?.onvifXaddr == null ? 'the camera' : describeEndpoint(row.onvifXaddr);
          logger.info({ cameraId: id, action, failure: error.code, device: where }, 'PTZ command failed');
          if (error.code === 'unsupported') throw new ContractError('unsupported', error.message);
          throw new ContractError('unavailable', `PTZ ${action}: ${error.message}`, { failure: error.code });
        }
      });
    queues.set(id, next);
    void next
      .catch(() => undefined)
      .then(() => {
        if (queues.get(id) === next) queues.delete(id);
      });
    return next;
  }

  return {
    async info(input) {
      const row = options.cameras.row(input.id);
      if (row === undefined) throw new ContractError('not_found', `No camera with id ${input.id}`);
      if (row.onvifXaddr === null || row.onvifProfileToken === null) {
        return { supported: false, reason: NOT_LINKED };
      }
      return run(input.id, 'info', async (client) => {
        const support = await client.support();
        if (!support.supported) return support;
        const presets = (await client.presets()).map((preset) => ({
          token: preset.token.slice(0, TEXT_MAX),
          name: clean(preset.name) || preset.token.slice(0, TEXT_MAX),
        }));
        return { supported: true, panTilt: support.panTilt, zoom: support.zoom, presets };
      });
    },

    async move(input) {
      const velocity = {
        ...(input.pan === undefined ? {} : { pan: input.pan }),
        ...(input.tilt === undefined ? {} : { tilt: input.tilt }),
        ...(input.zoom === undefined ? {} : { zoom: input.zoom }),
      };
      await run(input.id, 'move', (client) =>
        client.continuousMove(velocity, input.timeoutMs ?? PTZ_MOVE_MS_DEFAULT),
      );
      return { ok: true };
    },

    async stop(input) {
      await run(input.id, 'stop', (client) => client.stop());
      return { ok: true };
    },

    async gotoPreset(input) {
      await run(input.id, 'go to preset', (client) => client.gotoPreset(input.preset));
      return { ok: true };
    },

    async setPreset(input) {
      const token = await run(input.id, 'save preset', (client) =>
        client.setPreset(input.name, input.preset),
      );
      logger.info({ cameraId: input.id, preset: token }, 'PTZ preset saved');
      return { preset: { token: token.slice(0, TEXT_MAX), name: input.name } };
    },
  };
}
