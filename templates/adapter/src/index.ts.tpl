export { STEP_NAMES } from './step-names.js';
