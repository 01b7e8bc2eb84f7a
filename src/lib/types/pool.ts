/** `GET /api/settings/pool` (and the answer to `PUT`), shared by the server and the settings page. */
export type PoolSettings = {
	max_memory: string;
	max_models: number;
	keep_alive: string;
	/** Profile ids loaded (and pinned) at start. */
	preload: string[];
	memory_limit_bytes: number;
	/** Longest a `/v1` request may take (then 504); `0` = no limit. */
	request_timeout: string;
};
