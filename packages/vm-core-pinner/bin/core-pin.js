#!/usr/bin/env node
import "../dist/cli/core-pin.js";
