import { EventEmitter } from 'node:events';
import { singleton } from '../http/singleton';

/**
 * Auth events for long-lived connections (WebSockets, streams): a session that ends or a user who
 * loses access must be disconnected at once.
 */
type AuthEvents = {
	'session-ended': [sessionId: string];
	'user-ended': [userId: string];
	/** The user's role changed: what they may see over an open connection changed too. */
	'user-changed': [userId: string];
};

export const authEvents = singleton('auth-events', () => new EventEmitter<AuthEvents>());

export function notifySessionEnded(sessionId: string): void {
	authEvents.emit('session-ended', sessionId);
}

export function notifyUserEnded(userId: string): void {
	authEvents.emit('user-ended', userId);
}

export function notifyUserChanged(userId: string): void {
	authEvents.emit('user-changed', userId);
}
