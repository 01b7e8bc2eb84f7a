/** The `/api` operations, by domain. A new `+server.ts` under `src/routes/api` gets its entry here. */
import { z } from 'zod';
import * as audit from '../audit';
import * as backends from '../backends';
import * as auth from '../auth';
import * as conversations from '../conversations';
import { StartDownload } from '../downloads/schemas';
import * as hub from '../hub';
import { PoolSettingsUpdate } from '../pool';
import { StopQuery } from '../pool/servers';
import * as profiles from '../profiles';
import type { Operation } from './types';

const created = { status: 201, description: 'Created' };
const noContent = { status: 204, description: 'Done; no body' };
const accepted = { status: 202, description: 'Accepted; runs in the background' };

const authOps: Operation[] = [
	{ method: 'POST', route: '/api/auth/register', summary: 'Create an account (the first one becomes the administrator)', access: 'public', tag: 'auth', body: auth.Register, success: created },
	{
		method: 'POST',
		route: '/api/auth/login',
		summary: 'Sign in: an access token and a session cookie',
		access: 'public',
		tag: 'auth',
		body: auth.Login,
		form: z.object({ username: z.string(), password: z.string() }),
		description: 'Also accepts the OAuth2 password form. Rate-limited per email and per IP (429 with Retry-After).'
	},
	{ method: 'POST', route: '/api/auth/logout', summary: 'End this session and every token made from it', access: 'user', tag: 'auth', success: noContent },
	{ method: 'GET', route: '/api/auth/me', summary: 'The signed-in user', access: 'user', tag: 'auth' },
	{ method: 'POST', route: '/api/auth/me/password', summary: 'Change your own password (ends your other sessions)', access: 'user', tag: 'auth', body: auth.ChangePassword },
	{ method: 'GET', route: '/api/auth/me/sessions', summary: 'Where you are signed in (browser, created, last seen)', access: 'user', tag: 'auth' },
	{ method: 'DELETE', route: '/api/auth/me/sessions/[id]', summary: 'End one of your sessions', access: 'user', tag: 'auth', success: noContent },
	{ method: 'GET', route: '/api/auth/api-keys', summary: 'Your API keys (an admin sees all)', access: 'user', tag: 'auth' },
	{ method: 'POST', route: '/api/auth/api-keys', summary: 'Create an API key (shown once)', access: 'user', tag: 'auth', body: auth.CreateApiKey, success: created },
	{ method: 'DELETE', route: '/api/auth/api-keys/[id]', summary: 'Revoke an API key', access: 'user', tag: 'auth', success: noContent },
	{ method: 'GET', route: '/api/auth/users', summary: 'Every account', access: 'admin', tag: 'users' },
	{ method: 'GET', route: '/api/auth/users/pending/count', summary: 'Accounts waiting for approval', access: 'admin', tag: 'users' },
	{ method: 'PUT', route: '/api/auth/users/[id]', summary: 'Approve, disable, promote or rename an account', access: 'admin', tag: 'users', body: auth.UserUpdate },
	{ method: 'DELETE', route: '/api/auth/users/[id]', summary: 'Delete an account', access: 'admin', tag: 'users', success: noContent },
	{ method: 'POST', route: '/api/auth/users/[id]/reset-password', summary: "Set another user's password (ends their sessions)", access: 'admin', tag: 'users', body: auth.ResetPassword }
];

const modelOps: Operation[] = [
	{ method: 'GET', route: '/api/models/search', summary: 'Search the Hub for GGUF repos', access: 'user', tag: 'models', query: hub.SearchQuery },
	{ method: 'GET', route: '/api/models/repo/[owner]/[repo]/files', summary: "A repo's GGUF files, the recommended one, and whether it is gated", access: 'user', tag: 'models', query: hub.FilesQuery },
	{ method: 'POST', route: '/api/models/download', summary: 'Start a download (the recommended file when none is named)', access: 'user', tag: 'downloads', body: StartDownload, success: accepted },
	{
		method: 'GET',
		route: '/api/models/download/[id]/progress',
		summary: 'Live progress (Server-Sent Events) of a download task',
		access: 'stream',
		tag: 'downloads',
		success: { status: 200, description: 'An event stream', contentType: 'text/event-stream' }
	},
	{ method: 'GET', route: '/api/models/download/[id]/status', summary: 'A download task, for polling', access: 'user', tag: 'downloads' },
	{ method: 'POST', route: '/api/models/download/[id]/pause', summary: 'Pause a download', access: 'user', tag: 'downloads' },
	{ method: 'POST', route: '/api/models/download/[id]/resume', summary: 'Resume a download', access: 'user', tag: 'downloads' },
	{ method: 'POST', route: '/api/models/download/[id]/cancel', summary: 'Cancel a download (its partial file is deleted)', access: 'user', tag: 'downloads' },
	{ method: 'GET', route: '/api/models/downloads/active', summary: 'Pending, running and paused downloads', access: 'user', tag: 'downloads' },
	{ method: 'GET', route: '/api/models/local', summary: 'Models on disk, from their GGUF metadata', access: 'user', tag: 'models' },
	{ method: 'GET', route: '/api/models/[...id]', summary: 'One local model (the id keeps its slashes)', access: 'user', tag: 'models' },
	{ method: 'DELETE', route: '/api/models/[...id]', summary: 'Delete a local model', access: 'user', tag: 'models' },
	{ method: 'GET', route: '/api/models/config/[...id]', summary: "A model's characteristics from its GGUF metadata", access: 'user', tag: 'models' }
];

const poolOps: Operation[] = [
	{ method: 'GET', route: '/api/profiles', summary: 'Profiles', access: 'user', tag: 'profiles' },
	{ method: 'POST', route: '/api/profiles', summary: 'Create a profile', access: 'user', tag: 'profiles', body: profiles.CreateProfile, success: created },
	{ method: 'GET', route: '/api/profiles/[id]', summary: 'One profile', access: 'user', tag: 'profiles' },
	{ method: 'PUT', route: '/api/profiles/[id]', summary: 'Change a profile', access: 'user', tag: 'profiles', body: profiles.UpdateProfile },
	{ method: 'DELETE', route: '/api/profiles/[id]', summary: 'Delete a profile', access: 'user', tag: 'profiles', success: noContent },
	{ method: 'POST', route: '/api/profiles/[id]/duplicate', summary: 'Copy a profile', access: 'user', tag: 'profiles', query: profiles.DuplicateQuery, success: created },
	{ method: 'GET', route: '/api/servers', summary: 'Loaded profiles (the live view of the pool)', access: 'user', tag: 'servers' },
	{ method: 'GET', route: '/api/servers/embedded', summary: 'The embedded llama.cpp server', access: 'user', tag: 'servers' },
	{ method: 'GET', route: '/api/servers/models', summary: 'Loaded models', access: 'user', tag: 'servers' },
	{ method: 'GET', route: '/api/servers/health', summary: "The pool's health", access: 'user', tag: 'servers' },
	{ method: 'GET', route: '/api/servers/memory', summary: "The pool's memory figures", access: 'user', tag: 'servers' },
	{ method: 'POST', route: '/api/servers/[profile_id]/start', summary: "Load a profile's model", access: 'user', tag: 'servers', success: accepted },
	{ method: 'POST', route: '/api/servers/[profile_id]/stop', summary: "Unload a profile's model", access: 'user', tag: 'servers', query: StopQuery },
	{ method: 'GET', route: '/api/servers/[profile_id]/health', summary: "A profile's model: loaded, loading or failed", access: 'user', tag: 'servers' },
	{ method: 'GET', route: '/api/settings/pool', summary: 'Pool settings (limits, keep-alive, preload, timeouts)', access: 'user', tag: 'settings' },
	{ method: 'PUT', route: '/api/settings/pool', summary: 'Change the pool settings (applied at once)', access: 'admin', tag: 'settings', body: PoolSettingsUpdate },
	{ method: 'GET', route: '/api/settings/hub-token', summary: 'Whether a Hub token is set (never the token)', access: 'admin', tag: 'settings' },
	{ method: 'PUT', route: '/api/settings/hub-token', summary: 'Save (checked with the Hub) or remove the Hub token', access: 'admin', tag: 'settings', body: hub.HubTokenInput }
];

const chatOps: Operation[] = [
	{ method: 'GET', route: '/api/conversations', summary: 'Your conversations', access: 'user', tag: 'chat', query: conversations.ListQuery },
	{ method: 'POST', route: '/api/conversations', summary: 'Start a conversation', access: 'user', tag: 'chat', body: conversations.CreateConversation, success: created },
	{ method: 'GET', route: '/api/conversations/[id]', summary: 'A conversation with its messages', access: 'user', tag: 'chat' },
	{ method: 'PATCH', route: '/api/conversations/[id]', summary: 'Rename or re-configure a conversation', access: 'user', tag: 'chat', body: conversations.UpdateConversation },
	{ method: 'DELETE', route: '/api/conversations/[id]', summary: 'Delete a conversation', access: 'user', tag: 'chat', success: noContent },
	{ method: 'GET', route: '/api/conversations/[id]/export', summary: 'Export a conversation', access: 'user', tag: 'chat', query: conversations.ExportQuery },
	{ method: 'POST', route: '/api/conversations/[id]/messages', summary: 'Add a message', access: 'user', tag: 'chat', body: conversations.AddMessage, success: created },
	{ method: 'DELETE', route: '/api/conversations/[id]/messages/[message_id]', summary: 'Delete a message', access: 'user', tag: 'chat', success: noContent },
	{
		method: 'POST',
		route: '/api/conversations/[id]/generate',
		summary: "Generate the assistant's answer (streamed)",
		access: 'user',
		tag: 'chat',
		body: conversations.Generate,
		success: { status: 200, description: 'An event stream', contentType: 'text/event-stream' }
	}
];

const systemOps: Operation[] = [
	{ method: 'GET', route: '/api/system/audit-logs', summary: 'Audit rows (yours; an admin sees all)', access: 'user', tag: 'audit', query: audit.AuditListQuery },
	{ method: 'GET', route: '/api/system/audit-logs/stats', summary: 'Audit totals for the filters', access: 'user', tag: 'audit', query: audit.AuditFilters },
	{
		method: 'GET',
		route: '/api/system/audit-logs/export',
		summary: 'Export audit rows as CSV or JSON',
		access: 'user',
		tag: 'audit',
		query: audit.AuditExportQuery,
		success: { status: 200, description: 'The rows as a file', contentType: 'text/csv' }
	},
	{ method: 'GET', route: '/api/system/info', summary: 'Machine, GPU and llama.cpp build', access: 'user', tag: 'system' },
	{ method: 'GET', route: '/api/system/memory', summary: "The machine's memory and the memory for models", access: 'user', tag: 'system' },
	{ method: 'GET', route: '/api/openapi.json', summary: 'This document', access: 'public', tag: 'system' },
	{ method: 'GET', route: '/health', summary: 'Liveness for load balancers', access: 'public', tag: 'system' },
	{
		method: 'GET',
		route: '/metrics',
		summary: 'Prometheus metrics (text exposition format)',
		access: 'metrics',
		tag: 'system',
		success: { status: 200, description: 'Metrics', contentType: 'text/plain' }
	}
];

const backendOps: Operation[] = [
	{ method: 'GET', route: '/api/backends', summary: 'Remote backends with their health (never a key)', access: 'admin', tag: 'backends' },
	{ method: 'POST', route: '/api/backends', summary: 'Add a remote backend (its key stored encrypted)', access: 'admin', tag: 'backends', body: backends.CreateBackend, success: created },
	{ method: 'GET', route: '/api/backends/[id]', summary: 'One remote backend', access: 'admin', tag: 'backends' },
	{ method: 'PATCH', route: '/api/backends/[id]', summary: 'Change a remote backend (`api_key: null` removes the key)', access: 'admin', tag: 'backends', body: backends.UpdateBackend },
	{ method: 'DELETE', route: '/api/backends/[id]', summary: 'Remove a remote backend and its routing rules', access: 'admin', tag: 'backends', success: noContent },
	{ method: 'POST', route: '/api/backends/[id]/test', summary: "List the backend's models now and say why that failed", access: 'admin', tag: 'backends' },
	{ method: 'POST', route: '/api/backends/[id]/refresh', summary: "Discover the backend's models again", access: 'admin', tag: 'backends' },
	{ method: 'GET', route: '/api/routing/rules', summary: 'Routing rules, highest priority first', access: 'admin', tag: 'backends' },
	{ method: 'POST', route: '/api/routing/rules', summary: 'Add a routing rule', access: 'admin', tag: 'backends', body: backends.CreateRule, success: created },
	{ method: 'PATCH', route: '/api/routing/rules/[id]', summary: 'Change a routing rule', access: 'admin', tag: 'backends', body: backends.UpdateRule },
	{ method: 'DELETE', route: '/api/routing/rules/[id]', summary: 'Remove a routing rule', access: 'admin', tag: 'backends', success: noContent },
	{ method: 'POST', route: '/api/routing/test', summary: 'Where a request for a model name would go', access: 'admin', tag: 'backends', body: backends.RouteTest }
];

export const apiOperations: Operation[] = [...authOps, ...modelOps, ...poolOps, ...chatOps, ...backendOps, ...systemOps];
