// The unit both codec halves trade in: one header block's fields, in order.

/** Header fields in wire order; names are lower-case octets as received. */
export type HeaderList = Array<[name: string, value: string]>;
