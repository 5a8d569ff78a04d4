import axios from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { attach } from '../lib';

// The README's "Testing code that uses it", run as written: fake timers make waits instant,
// attach per test keeps one test's cooldown out of the next, axios-mock-adapter's faults are read.

const api = axios.create({ baseURL: 'https://api.exchange.example' });
const mock = new MockAdapter(api);
let detach: () => void;

beforeEach(() => {
  jest.useFakeTimers();
  detach = attach(api, { retries: 3 });
});
afterEach(() => {
  detach();
  mock.reset();
  jest.useRealTimers();
});

it('waits out the server\'s Retry-After, in fake time', async () => {
  mock.onGet('/api/v3/ticker').replyOnce(429, {}, { 'Retry-After': '2' }).onGet('/api/v3/ticker').reply(200, { price: '1' });
  const response = api.get('/api/v3/ticker');
  await jest.advanceTimersByTimeAsync(2_000);
  expect((await response).data).toEqual({ price: '1' });
});

it('retries a GET after a network error, and not a POST', async () => {
  mock.onGet('/api/v3/depth').networkErrorOnce().onGet('/api/v3/depth').reply(200, {});
  mock.onPost('/api/v3/order').networkErrorOnce();
  const depth = api.get('/api/v3/depth');
  await jest.advanceTimersByTimeAsync(30_000);
  expect((await depth).status).toBe(200);
  await expect(api.post('/api/v3/order', {})).rejects.toMatchObject({ backoff: { outcome: 'unknown', reason: 'unsafe-method' } });
});

it('leaves a cooldown of a minute behind it', async () => {
  mock.onGet('/api/v3/ticker').reply(429, {}, { 'Retry-After': '60' });
  await expect(api.get('/api/v3/ticker', { backoff: { retries: 0 } })).rejects.toMatchObject({ response: { status: 429 } });
});

it('starts with no cooldown from the test before: attach per test', async () => {
  mock.onGet('/api/v3/ticker').reply(200, { price: '2' });
  const answered = api.get('/api/v3/ticker').then((r) => r.data);
  await jest.advanceTimersByTimeAsync(1);
  expect(await Promise.race([answered, 'held'])).toEqual({ price: '2' });
});
