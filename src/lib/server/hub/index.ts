export * from './client';
export { hubJson, MAX_JSON_BYTES } from './fetch';
export * from './files';
export * from './ids';
export * from './quant';
export * from './search';
export * from './schemas';
export * from './token';
export * from './access';
