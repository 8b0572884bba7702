import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { CamerasState, CamerasStore } from './store/cameras-store.js';
import type { HealthState, HealthStore } from './store/health-store.js';
import type { StorageStore, StorageStoreState } from './store/storage-store.js';
import type { ClientTransport } from './transport/client-transport.js';

/** Everything the UI needs from outside React, built once by `main.tsx` (or by a test). */
export interface AppServices {
  transport: ClientTransport;
  cameras: CamerasStore;
  health: HealthStore;
  /** The storage status: the low-space banner on every page and the Storage page. */
  storage: StorageStore;
}

const ServicesContext = createContext<AppServices | null>(null);

export function ServicesProvider({ services, children }: { services: AppServices; children: ReactNode }) {
  return <ServicesContext value={services}>{children}</ServicesContext>;
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (services === null) throw new Error('useServices() needs a <ServicesProvider> above it.');
  return services;
}

export function useTransport(): ClientTransport {
  return useServices().transport;
}

export function useCameras<T>(selector: (state: CamerasState) => T): T {
  return useStore(useServices().cameras, selector);
}

export function useHealth<T>(selector: (state: HealthState) => T): T {
  return useStore(useServices().health, selector);
}

export function useStorage<T>(selector: (state: StorageStoreState) => T): T {
  return useStore(useServices().storage, selector);
}
