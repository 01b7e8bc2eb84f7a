export { v1Route, errorEnvelope, type V1Context } from './v1';
export { chatCompletions } from './chat-api';
export { completions } from './completions-api';
export { embeddings } from './embeddings-api';
export { listModelObjects, resolveTarget, ModelNotFoundError } from './target';
