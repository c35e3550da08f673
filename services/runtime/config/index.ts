// Configuration: typed sections, file + env loading, one error naming each bad property.
export { loadConfig, ConfigError, DEFAULT_CONFIG_DIR, type ConfigProblem, type LoadConfigOptions } from './load.js';
export { ENV_BINDINGS, type EnvBinding } from './env.js';
export { baseConfigSchema, upstreamSection, type BaseConfig, type UpstreamConfig } from './schema.js';
