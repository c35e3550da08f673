// Errors: one ServiceError type for handlers, one mapping to what a caller sees.
export {
  Code,
  ServiceError,
  invalidArgument,
  notFound,
  alreadyExists,
  failedPrecondition,
  aborted,
  isServiceError,
  type FieldViolation,
  type ServiceErrorOptions,
} from './service-error.js';
export { toCallerStatus, type CallerStatus } from './to-status.js';
