export { responses } from './responses';
