export { v1Route, errorEnvelope, type V1Context } from './v1';
export { chatCompletions } from './chat-api';
export { completions } from './completions-api';
export { embeddings } from './embeddings-api';
export { listModelObjects, resolveTarget, ModelNotFoundError } from './target';
export { V1_BODY_LIMIT } from './chat-api';
export { startChat, type StartedChat } from './start';
export {
	prepareChat,
	prepareChatRequest,
	runChat,
	checkPromptFits,
	countChatTokens,
	chatPromptTokens,
	type ChatRequest,
	type ChatResponseFormat,
	type ChatResult,
	type ChatCallbacks,
	type PreparedChat,
	type ToolCallDelta
} from './chat';
export type { ChatTool, ToolChoice } from './tools';
export { ContextLengthExceededError } from './context-fit';
export { leaseFor, samplingFor, thoughtBudgetFor, type Sampling } from './sampling';
export { eventStream, type Send, type StreamFormat } from './sse';
export { describeError, type ErrorFormat } from './v1';
export type { ChatCompletionRequest, ChatMessage, OpenAiToolCall } from './openai';
export type { ReasoningEffort } from './sampling';
