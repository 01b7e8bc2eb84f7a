#!/usr/bin/env node
/** Prints which llama.cpp binary the app loads: a local (native) build or node-llama-cpp's prebuilt one. */
import { getLlama } from 'node-llama-cpp';

const gpu = process.env.LLM_MANAGER_GPU === 'false' ? false : 'auto';
const llama = await getLlama({ gpu, build: 'never', progressLogs: false });
console.log(`llama.cpp binary: ${llama.buildType === 'localBuild' ? 'local build (native for this machine)' : 'prebuilt'}, gpu: ${llama.gpu || 'none'}`);
await llama.dispose();
