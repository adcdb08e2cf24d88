// jsdom lacks ResizeObserver, which Radix primitives use to measure
// themselves; layout does not matter to these tests, so observing is a no-op.
class NoopResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= NoopResizeObserver as unknown as typeof ResizeObserver;
