/** Calls the headless server's REST API directly, as a second client beside the browser would. */
import type { Camera } from '../../common/contract/index.js';
import { authHeadersFor } from '../support/server.js';

export async function apiRequest(
  baseUrl: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(baseUrl + route, {
    method,
    ...(body === undefined
      ? { headers: authHeadersFor(baseUrl) }
      : {
          headers: { ...authHeadersFor(baseUrl), 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
  });
  return { status: response.status, json: await response.json() };
}

export async function listCameras(baseUrl: string): Promise<Camera[]> {
  const { status, json } = await apiRequest(baseUrl, 'GET', '/api/cameras');
  if (status !== 200) throw new Error(`GET /api/cameras answered ${status}: ${JSON.stringify(json)}`);
  return json as Camera[];
}

export async function addCamera(baseUrl: string, input: Record<string, unknown>): Promise<Camera> {
  const { status, json } = await apiRequest(baseUrl, 'POST', '/api/cameras', input);
  if (status !== 201) throw new Error(`POST /api/cameras answered ${status}: ${JSON.stringify(json)}`);
  return json as Camera;
}
