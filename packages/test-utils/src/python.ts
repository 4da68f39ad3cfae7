import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What interop tests need from Python, and how to get it. */
const NEEDS = "python3 with onnxruntime and onnx (python3 -m pip install onnxruntime onnx; .ci/run installs them)";

/**
 * Runs a Python script file with arguments and returns its stdout. Fails (never skips) with a
 * message saying what to install when python3 or one of `modules` is missing.
 */
export async function runPython(script: string, args: readonly string[], modules: readonly string[] = ['onnxruntime', 'onnx']): Promise<string> {
  try {
    await run('python3', ['-c', modules.map((m) => `import ${m}`).join('; ') || 'pass']);
  } catch (error) {
    const detail = (error as { stderr?: string; code?: string }).code === 'ENOENT' ? 'python3 is not on PATH' : String((error as { stderr?: string }).stderr ?? error).trim().split('\n').at(-1);
    throw new Error(`this test needs ${NEEDS}: ${detail}`);
  }
  try {
    const { stdout } = await run('python3', [script, ...args], { maxBuffer: 64 * 2 ** 20 });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`python3 ${script} failed:\n${stderr || stdout || String(error)}`);
  }
}
