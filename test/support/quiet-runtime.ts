// Installed before every integration test file: keep the SDK's INFO chatter (worker state changes) out of
// the test output; warnings and errors still show.
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
