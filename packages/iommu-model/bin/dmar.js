#!/usr/bin/env node
import "../dist/cli/dmar.js";
