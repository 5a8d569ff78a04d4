import axios, { AxiosError, type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios';
import MockAdapter from 'axios-mock-adapter';

export type Reply = number | [number, unknown?, Record<string, string>?] | string;

/** A network failure with the given code (ECONNRESET, ECONNREFUSED…), as axios' adapters raise it. */
export function networkFailure(code: string) {
  return (config: AxiosRequestConfig) => Promise.reject(new AxiosError(`simulated ${code}`, code, config as InternalAxiosRequestConfig));
}

/**
 * An axios instance on a mock adapter that answers from a script, one entry an
 * attempt (the last entry repeats), and records every attempt's config.
 */
export function scripted(script: Reply[], baseURL = 'https://api.exchange.test') {
  const api = axios.create({ baseURL });
  const mock = new MockAdapter(api);
  const seen: InternalAxiosRequestConfig[] = [];
  mock.onAny().reply((config) => {
    seen.push(config as InternalAxiosRequestConfig);
    const step = script[Math.min(seen.length - 1, script.length - 1)];
    if (typeof step === 'string') return networkFailure(step)(config);
    if (typeof step === 'number') return [step, {}];
    const [status, body, headers] = step;
    return [status, body ?? {}, headers ?? {}];
  });
  return { api, mock, seen };
}

/** The rejection of a promise that must reject. */
export async function rejection(promise: Promise<unknown>): Promise<AxiosError> {
  try {
    await promise;
  } catch (error) {
    return error as AxiosError;
  }
  throw new Error('expected the request to reject, it resolved');
}
