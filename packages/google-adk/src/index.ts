export { SDK, STEP_NAMES } from './step-names.js';
