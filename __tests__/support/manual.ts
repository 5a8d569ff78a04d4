import axios, { AxiosError, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';

export interface PendingCall {
  readonly config: InternalAxiosRequestConfig;
  reply(status: number, headers?: Record<string, string>, data?: unknown): void;
  fail(code: string): void;
}

/**
 * An axios instance whose adapter leaves every call pending until the test
 * answers it, so a test sees exactly what is in flight at each moment.
 */
export function manual(baseURL = 'https://api.exchange.test') {
  const calls: PendingCall[] = [];
  const open = new Set<PendingCall>();
  const api = axios.create({
    baseURL,
    adapter: (config) =>
      new Promise<AxiosResponse>((resolve, reject) => {
        const call: PendingCall = {
          config,
          reply(status, headers = {}, data = {}) {
            open.delete(call);
            const response = { status, statusText: String(status), headers, data, config, request: {} };
            if (status >= 200 && status < 300) resolve(response);
            else reject(new AxiosError(`status ${status}`, 'ERR_BAD_RESPONSE', config, {}, response));
          },
          fail(code) {
            open.delete(call);
            reject(new AxiosError(`simulated ${code}`, code, config));
          },
        };
        calls.push(call);
        open.add(call);
      }),
  });
  return {
    api,
    calls,
    /** Calls sent and not yet answered. */
    inFlight: () => [...open],
  };
}
