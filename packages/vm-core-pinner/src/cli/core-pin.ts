#!/usr/bin/env node
// `core-pin` command-line entry point; the logic is corePinMain in ../core-pin-cli.ts.
import { corePinMain } from "../core-pin-cli";

process.exitCode = corePinMain(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
