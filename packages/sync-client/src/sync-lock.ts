interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

const chains = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` while holding the named lock. Web Locks span every tab and the service worker of the
 * origin, so only one of them pushes at a time; where they are missing (Node, old browsers) an
 * in-process queue gives the same guarantee within this context.
 */
export async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  if (locks) return locks.request(name, fn);
  const previous = chains.get(name) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(fn);
  chains.set(name, run);
  try {
    return await run;
  } finally {
    if (chains.get(name) === run) chains.delete(name);
  }
}
