export * from './schemas';
export * from './store';
