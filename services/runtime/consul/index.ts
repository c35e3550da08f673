// Consul: the agent client, an instance's registration, and the loop that keeps it registered.
export { ConsulAgentClient, ConsulError, type AgentServiceRegistration, type ConsulClientOptions } from './agent-client.js';
export { buildRegistration, serviceId, type RegistrationInput } from './registration.js';
export { Registrar, type RegistrarOptions } from './registrar.js';
