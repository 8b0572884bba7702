import type { Transport } from '../../../common/contract/index.js';

/**
 * A `Transport` as the renderer uses it: the contract's `invoke` and `subscribe`, plus what a UI needs to know
 * about the connection itself.
 */
export interface ClientTransport extends Transport {
  /** How the renderer reaches the engine; shown in the shell. */
  readonly kind: 'ipc' | 'http' | 'fake';
  /**
   * Calls `listener` each time the event stream (re)connects. Events pushed while it was not connected are lost,
   * so state kept in sync by events must be reloaded then. Returns the unsubscribe function.
   */
  onResync(listener: () => void): () => void;
}
