/**
 * A stand-in for layout, so the virtualised transcript renders rows in a DOM without one.
 *
 * happy-dom (like jsdom) lays nothing out: every element is 0 px, and
 * @tanstack/react-virtual then shows no rows at all. This gives the transcript's
 * scroller a viewport (`clientHeight`, `clientWidth`), a content height that is the
 * height the virtualiser asked for (`scrollHeight`, read from the rows' box), and
 * each row a fixed measured height (`offsetHeight`). Scroll events are still the
 * test's to send, as a browser would after a scroll.
 */

/** The scroller's viewport, in px. */
export const VIEWPORT_HEIGHT = 600;
/**
 * The height every measured row reports, in px: the transcript's own estimate, so
 * measuring a row changes nothing and the first layout is the last. (A browser
 * converges over a few animation frames as rows are measured; these tests should
 * not depend on frames.)
 */
export const ROW_HEIGHT = 96;

type Getter = (element: HTMLElement) => number | undefined;

/**
 * Installs the stand-in on `HTMLElement.prototype`.
 *
 * Returns the function that removes it again (call it in `afterEach`).
 */
export function installTranscriptLayout(): () => void {
  const getters: Record<string, Getter> = {
    clientHeight: (el) => (el.classList.contains('transcript') ? VIEWPORT_HEIGHT : undefined),
    clientWidth: (el) => (el.classList.contains('transcript') ? 800 : undefined),
    scrollHeight: (el) => {
      if (!el.classList.contains('transcript')) return undefined;
      const rows = el.querySelector<HTMLElement>('.transcript-rows');
      return rows ? Number.parseFloat(rows.style.height) || 0 : 0;
    },
    offsetHeight: (el) => (el.classList.contains('transcript-row') ? ROW_HEIGHT : undefined),
  };
  const proto = HTMLElement.prototype;
  const previous = new Map<string, PropertyDescriptor | undefined>();
  for (const [name, get] of Object.entries(getters)) {
    previous.set(name, Object.getOwnPropertyDescriptor(proto, name));
    const original = findDescriptor(proto, name);
    Object.defineProperty(proto, name, {
      configurable: true,
      get(this: HTMLElement) {
        return get(this) ?? (original?.get?.call(this) as number | undefined) ?? 0;
      },
    });
  }
  return () => {
    for (const [name, descriptor] of previous) {
      if (descriptor) Object.defineProperty(proto, name, descriptor);
      else delete (proto as unknown as Record<string, unknown>)[name];
    }
  };
}

function findDescriptor(from: object | null, name: string): PropertyDescriptor | undefined {
  for (let proto = from; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, name);
    if (descriptor) return descriptor;
  }
  return undefined;
}
