/**
 * undici's connection pool and its request call, taken from undici's own files rather than from
 * its index. The index also loads fetch, WebSocket, the HTTP cache, mocks and the proxy agents
 * (in a plain `require`, 137 ms against 42 ms for these two files on the development machine),
 * and the client uses none of them. The index is also what puts `request` on every dispatcher;
 * here it is called on the agent instead.
 */
import type { Agent as AgentInstance, Dispatcher } from 'undici';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import apiRequest from 'undici/lib/api/api-request.js';

/** undici's Agent: a connection pool per origin. */
export type Agent = AgentInstance;
export const Agent = AgentClass;

/** One request through `agent`; the response's body is a stream the caller consumes or destroys. */
export function agentRequest(
  agent: Agent,
  options: Dispatcher.RequestOptions,
): Promise<Dispatcher.ResponseData> {
  return apiRequest.call(agent, options);
}
