export * from './schemas';
export * from './store';
export * from './messages';
export { generateAnswer } from './generate';
export { exportConversation } from './export';
export { buildPrompt, withAttachments } from './prompt';
export { conversationToWire, messageToWire, summaryToWire } from './wire';
