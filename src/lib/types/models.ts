/**
 * Wire shapes of the models API (SPEC §3), shared by the server that sends them and the browser code
 * that reads them.
 */

export type DownloadStatus = 'pending' | 'downloading' | 'paused' | 'completed' | 'failed' | 'cancelled';

/** `GET /api/models/search` item. */
export type SearchResult = {
	model_id: string;
	author: string;
	downloads: number;
	likes: number;
	last_modified: string | null;
	tags: string[];
	/** Size of the file the app would pick, in GiB (null when the file list could not be read). */
	estimated_size_gb: number | null;
	/** The same size in bytes (small files round to 0 GB). */
	estimated_size_bytes: number | null;
	is_downloaded: boolean;
	/** The Hub requires accepting terms (and an HF token) for this repo. */
	gated: boolean;
	/** The current Hub token may download it (true when not gated). */
	has_access: boolean;
};

export type FileEntry = { file: string; size_bytes: number; sha256: string | null };

/** `GET /api/models/repo/{owner}/{repo}/files` item. */
export type RepoFile = {
	file: string;
	size_bytes: number;
	quantization: string | null;
	/** Number of files the model is split into (1 for a single file). */
	parts: number;
	/** SHA-256 of `file` (the first part of a split model). */
	sha256: string | null;
	fits_in_memory: boolean;
	part_files: FileEntry[];
};

export type RepoFiles = {
	repo: string;
	revision: string;
	files: RepoFile[];
	recommended: string | null;
	memory_limit_bytes: number;
	/** The Hub requires accepting terms (and an HF token) for this repo. */
	gated: boolean;
	/** The current Hub token may download its files; Download stays disabled while false. */
	has_access: boolean;
};

/** The progress event fields of SPEC §3. */
export type DownloadProgress = {
	download_id: string;
	model_id: string;
	status: DownloadStatus;
	/** Percent, 0–100 with one decimal. */
	progress: number;
	downloaded_bytes: number;
	total_bytes: number;
	speed_bps: number;
	eta_seconds: number | null;
	error: string | null;
};

/** The SSE event and the `/status` body: one download as the wire sees it. */
export type DownloadView = DownloadProgress & {
	task_id: string;
	repo: string;
	file: string;
	parts: number;
	user_id: string | null;
	created_at: string;
	updated_at: string;
	completed_at: string | null;
};

/** `POST /api/models/download` → 202. */
export type StartedDownload = { task_id: string; download_id: string; model_id: string; status: DownloadStatus; existing: boolean };

/** `GET /api/models/config/{id}`: characteristics from the file's own GGUF metadata. */
export type ModelConfig = {
	architecture: string | null;
	context_length: number | null;
	block_count: number | null;
	embedding_length: number | null;
	head_count: number | null;
	head_count_kv: number | null;
	parameters: number | null;
	quantization: string | null;
	file_type: string | null;
	has_chat_template: boolean;
	is_embedding_model: boolean;
	is_multimodal: boolean;
};

/** `GET /api/models/local` item. */
export type LocalModel = {
	id: string;
	repo: string;
	file: string;
	size_bytes: number;
	size_gb: number;
	quantization: string | null;
	architecture: string | null;
	parameters: number | null;
	context_length: number | null;
	is_loaded: boolean;
	parts: number;
	/** False when the file's GGUF header cannot be read (truncated, corrupt); `error` says why. */
	usable: boolean;
	error: string | null;
	config: ModelConfig | null;
	/**
	 * Where the files are: the app's models dir, or an extra models dir (`LLM_MANAGER_EXTRA_MODEL_DIRS`)
	 * in the Hugging Face cache layout, llama.cpp's cache, an LM Studio models folder or another folder.
	 */
	source: 'models_dir' | 'huggingface' | 'llama.cpp' | 'lmstudio' | 'folder';
	/** In an extra models dir: listed and loaded, never written or deleted by the app. */
	read_only: boolean;
};
