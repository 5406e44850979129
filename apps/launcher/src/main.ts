import { runLauncher } from './launcher';

/** Entry point of `npm start` (scripts/start.js requires this file once dist/ is up to date). */
runLauncher(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`mcos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
