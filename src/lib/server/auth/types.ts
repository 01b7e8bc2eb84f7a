export type UserStatus = 'pending' | 'approved' | 'disabled';

/** The wire shape of a user: never includes the password hash. */
export type UserPublic = {
	id: string;
	email: string;
	is_admin: boolean;
	status: UserStatus;
	created_at: string;
	approved_at: string | null;
};

export type AuthMethod = 'cookie' | 'bearer' | 'api_key' | 'query';

/** Who is making a request, resolved once per request by the token validator. */
export type Caller = {
	user: { id: string; email: string; isAdmin: boolean };
	/** The Lucia session behind a cookie or access token; null for API keys. */
	sessionId: string | null;
	apiKeyId: string | null;
	/** Model ids an API key is limited to; null = any. */
	allowedModels: string[] | null;
	method: AuthMethod;
};
