/**
 * undici's connection pool and its request call, taken from undici's own files rather than from
 * its index. The index also loads fetch, WebSocket, the HTTP cache, mocks and the proxy agents
 * (in a plain `require`, 137 ms against 42 ms for these two files on the development machine),
 * and the client uses none of them. The index is also what puts `request` on every dispatcher;
 * here it is called on the pool instead.
 */
import type { Agent as AgentInstance, Dispatcher } from 'undici';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import apiRequest from 'undici/lib/api/api-request.js';

/** A connection pool per origin (undici's Agent). */
export type Pool = AgentInstance;
export const Pool = AgentClass;

/** One request through `pool`; the response's body is a stream the caller consumes or destroys. */
export function poolRequest(
  pool: Pool,
  options: Dispatcher.RequestOptions,
): Promise<Dispatcher.ResponseData> {
  return apiRequest.call(pool, options);
}
