#!/usr/bin/env node
import "../dist/cli/mrt-dump.js";
