import type { Caller } from '$lib/server/auth/types';

declare global {
	namespace App {
		interface Locals {
			/** The resolved caller, or null for an anonymous request. */
			caller: Caller | null;
		}
		interface Error {
			message: string;
			code?: string;
		}
	}
}

export {};
