/**
 * A tiny typed event source: `onDidX(listener)` subscribes and returns the function
 * that unsubscribes.
 *
 * A listener that throws is reported through `onListenerError` and the remaining
 * listeners still run: one broken subscriber (a window, a tray) must not stop the
 * supervisor from telling everyone else that the gateway restarted.
 */
export type Listener<T> = (value: T) => void;

/** Calls this to stop listening. */
export type Unsubscribe = () => void;

export class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  /** Subscribes `listener`; the returned function unsubscribes it. */
  readonly event = (listener: Listener<T>): Unsubscribe => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** Delivers `value` to every listener, in subscription order. */
  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  /** How many listeners are subscribed. */
  get size(): number {
    return this.listeners.size;
  }

  /** Drops every listener (on dispose). */
  clear(): void {
    this.listeners.clear();
  }
}
