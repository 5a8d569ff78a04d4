import type { AxiosStatic } from 'axios';

/**
 * The axios an SDK loads: the project's own, unless npm nested a copy under the SDK (its range
 * and the project's do not meet, as with axios 1.6.8 and an SDK that needs ^1.8). Its defaults
 * are the ones an SDK that makes instances from the default export reads.
 */
export function axiosOf(sdk: string): AxiosStatic {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve('axios', { paths: [require.resolve(sdk)] })) as AxiosStatic;
}

/** Sets the default adapter of the axios `sdk` loads while `make` runs, and returns what puts it back. */
export function withDefaultAdapter(sdk: string, adapter: unknown, make: () => void): () => void {
  const copy = axiosOf(sdk);
  const before = copy.defaults.adapter;
  copy.defaults.adapter = adapter as AxiosStatic['defaults']['adapter'];
  try {
    make();
  } catch (error) {
    copy.defaults.adapter = before;
    throw error;
  }
  return () => {
    copy.defaults.adapter = before;
  };
}
