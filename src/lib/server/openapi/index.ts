import { singleton } from '../http/singleton';
import { buildOpenApiDocument } from './document';

export { OPERATIONS, buildOpenApiDocument, openApiPath } from './document';
export type { Operation, Access } from './types';

/** The document, built once per process (the operations and schemas do not change while it runs). */
export function openApiDocument(version: string): Record<string, unknown> {
	return singleton('openapi-document', () => buildOpenApiDocument(version));
}
