import { json } from '@sveltejs/kit';
import { version } from '$app/environment';
import * as openapi from '$lib/server/openapi';

/** The OpenAPI 3.1 document of `/api` and `/v1` (public, like the reference page at `/docs`). */
export const GET = () => json(openapi.openApiDocument(version));
