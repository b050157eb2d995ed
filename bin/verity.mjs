#!/usr/bin/env node
// The repository's `verity` command (package.json "bin"): loads the TypeScript sources with tsx and runs
// sdk/src/cli/bin.ts. The installed command is verity-inference-node's compiled dist/cli/bin.js, with no loader.
import { register } from "tsx/esm/api";

register();
await import("../sdk/src/cli/bin.ts");
