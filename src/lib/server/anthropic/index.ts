export { messages, countTokens } from './messages';
export { anthropicErrorResponse, anthropicError, isAnthropicPath } from './errors';
