export * from './client';
export * from './files';
export * from './ids';
export * from './quant';
export * from './search';
export * from './schemas';
