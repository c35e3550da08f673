// catalog's domain errors, mapped to gRPC codes in this one place.
import { aborted, alreadyExists, notFound, type ServiceError } from '../runtime/errors/index.js';

export const productNotFound = (what: string): ServiceError => notFound(`product ${what} not found`);

export const skuTaken = (sku: string): ServiceError => alreadyExists(`a product with sku "${sku}" already exists`, 'SKU_TAKEN');

export const versionMismatch = (expected: bigint, actual: bigint): ServiceError =>
  aborted(`product is at version ${actual}, not ${expected}: read it again and retry`, 'VERSION_MISMATCH');
