#!/usr/bin/env node
// Launcher of the `vstream-relay` CLI: registers tsx's TypeScript loader in this process (no child process,
// so signals, stdio and the exit code stay the CLI's own) and runs src/client/main.ts. Paths are relative to
// this file, so it works from any working directory and through `npx vstream-relay`.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import(new URL('../src/client/main.ts', import.meta.url).href);
