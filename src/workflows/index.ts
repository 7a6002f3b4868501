// The workflow module the worker bundles. Deterministic code only: no I/O, no Node built-ins.
export { vstreamToPostgres } from './stream-workflow.js';
