export * from './types';
export * from './guards';
export * from './resolve';
export * from './login';
export * from './users';
export * from './api-keys';
export * from './schemas';
export { SESSION_COOKIE, sessionCookie, blankSessionCookie } from './session';
export { authEvents } from './events';
