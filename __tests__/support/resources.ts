import { createHook } from 'node:async_hooks';

/** How many of each type, from process.getActiveResourcesInfo(). */
export function count(resources: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of resources) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

const JEST = /node_modules[\\/](@jest|jest-)/;

/**
 * Timers and sockets created from now on that still hold the event loop, with where each was
 * created. jest keeps timers of its own (the test's timeout among them), so counting 'Timeout'
 * in process.getActiveResourcesInfo() cannot tell ours from its: these are only ours. Node's
 * own unreferenced timers (the HTTP Date header cache) hold nothing and are left out.
 */
export function trackResources() {
  const live = new Map<number, { type: string; resource: { hasRef?: () => boolean }; createdAt: string }>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (type !== 'Timeout' && type !== 'TCPWRAP') return;
      const createdAt = (new Error().stack ?? '').split('\n').slice(2).find((line) => !line.includes('node:')) ?? '';
      if (JEST.test(createdAt)) return; // the reporter's own timers: jest runs a single file in its process
      live.set(id, { type, resource: resource as { hasRef?: () => boolean }, createdAt: createdAt.trim() });
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    left: (type: string): string[] =>
      [...live.values()].filter((r) => r.type === type && r.resource.hasRef?.() !== false).map((r) => r.createdAt),
    stop: () => void hook.disable(),
  };
}
