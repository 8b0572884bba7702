/**
 * What the signed-in account may do, so the UI offers only controls the engine would accept. The gateway
 * checks every call itself (`common/contract/access.ts`); this only keeps a viewer from meeting buttons that
 * answer "forbidden". The desktop app has no account and may do everything.
 */
import { createContext, useContext, type ReactNode } from 'react';
import { METHOD_ACCESS, type MethodName } from '../../common/contract/index.js';

/** `desktop`: the desktop app over IPC, which has no account and may call everything. */
export type Role = 'desktop' | 'admin' | 'viewer';

/** Whether `role` may call `method`, by the same table the gateway enforces. */
export function mayCall(role: Role, method: MethodName): boolean {
  const access = METHOD_ACCESS[method];
  if (role === 'desktop') return true;
  if (role === 'admin') return access !== 'desktop';
  return access === 'public' || access === 'viewer';
}

const RoleContext = createContext<Role>('desktop');

export function RoleProvider({ role, children }: { role: Role; children: ReactNode }) {
  return <RoleContext value={role}>{children}</RoleContext>;
}

export function useRole(): Role {
  return useContext(RoleContext);
}

/** `can('cameras.add')`: whether the current account may call the method. */
export function useCan(): (method: MethodName) => boolean {
  const role = useRole();
  return (method) => mayCall(role, method);
}
